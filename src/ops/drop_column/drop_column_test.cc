// Lifecycle tests of drop_column against a real PostgreSQL: after start the old
// shape and the new version are both readable and writable and each sees the
// other's writes (up/down applied); complete leaves the final physical shape;
// rollback leaves the table as it was; bad input is refused before anything
// changes.
#include "ops/lifecycle_fixture.h"

namespace zs::ops {
namespace {

// ----------------------------------------------------------------- drop_column

constexpr const char* kDropLegacy = R"yaml(operations:
  - drop_column:
      table: users
      column: legacy
      down: upper(name)
)yaml";

TEST_F(OpsLifecycle, DropColumnStartAndComplete) {
  Exec(
      "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, legacy text);"
      "INSERT INTO users VALUES (1, 'Ada', 'old-1'), (2, 'Alan', NULL);");
  Start("drop_legacy", kDropLegacy);
  EXPECT_TRUE(Fails(*new_, "SELECT legacy FROM users"));
  EXPECT_EQ(Query(*new_, "SELECT * FROM users ORDER BY id"), (Rows{{"1", "Ada"}, {"2", "Alan"}}));
  Exec(*new_, "INSERT INTO users VALUES (3, 'Grace')");
  Exec(*old_, "INSERT INTO users VALUES (4, 'Edsger', 'kept')");
  EXPECT_EQ(Query(*old_, "SELECT id, legacy FROM users ORDER BY id"),
            (Rows{{"1", "old-1"}, {"2", "NULL"}, {"3", "GRACE"}, {"4", "kept"}}));
  EXPECT_EQ(Value(*new_, "SELECT name FROM users WHERE id = 4"), "Edsger");

  Complete();
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id integer NOT NULL", "name text NOT NULL"}));
  Exec(*new_, "INSERT INTO users VALUES (5, 'Barbara')");
  EXPECT_EQ(Value(*new_, "SELECT count(*) FROM users"), "5");
  ExpectCompleteClean();
}

TEST_F(OpsLifecycle, DropColumnRollback) {
  Exec(
      "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, legacy text);"
      "INSERT INTO users VALUES (1, 'Ada', 'old-1'), (2, 'Alan', NULL);");
  Start("drop_legacy", kDropLegacy);
  Exec(*new_, "INSERT INTO users VALUES (3, 'Grace')");
  Exec(*new_, "UPDATE users SET name = 'Alan T' WHERE id = 2");
  Exec(*old_, "INSERT INTO users VALUES (4, 'Edsger', 'kept')");
  Rollback();
  EXPECT_EQ(Columns("users"), (std::vector<std::string>{"id integer NOT NULL", "name text NOT NULL",
                                                        "legacy text NULL"}));
  EXPECT_EQ(Query(*old_, "SELECT * FROM users ORDER BY id"), (Rows{{"1", "Ada", "old-1"},
                                                                   {"2", "Alan T", "ALAN T"},
                                                                   {"3", "Grace", "GRACE"},
                                                                   {"4", "Edsger", "kept"}}));
  ExpectRollbackClean();
}

}  // namespace
}  // namespace zs::ops
