// Lifecycle tests of drop_table against a real PostgreSQL: after start the old
// shape and the new version are both readable and writable and each sees the
// other's writes (up/down applied); complete leaves the final physical shape;
// rollback leaves the table as it was; bad input is refused before anything
// changes.
#include "ops/lifecycle_fixture.h"

namespace zs::ops {
namespace {

// ------------------------------------------------------------------ drop_table

constexpr const char* kDropLegacyTable = R"yaml(operations:
  - drop_table:
      name: legacy
)yaml";

TEST_F(OpsLifecycle, DropTableStartAndComplete) {
  CreateUsers();
  Exec(
      "CREATE TABLE legacy (id integer PRIMARY KEY, note text); INSERT INTO legacy VALUES (1, "
      "'a');");
  Start("drop_legacy_table", kDropLegacyTable);
  EXPECT_TRUE(Fails(*new_, "SELECT * FROM legacy"));
  EXPECT_EQ(Value(*new_, "SELECT count(*) FROM users"), "2");
  Exec(*old_, "INSERT INTO legacy VALUES (2, 'b')");
  EXPECT_EQ(Value(*old_, "SELECT count(*) FROM legacy"), "2");

  Complete();
  EXPECT_FALSE(TableExists("public", "legacy"));
  Exec(*new_, "INSERT INTO users VALUES (3, 'Grace')");
  ExpectCompleteClean();
}

TEST_F(OpsLifecycle, DropTableRollback) {
  CreateUsers();
  Exec(
      "CREATE TABLE legacy (id integer PRIMARY KEY, note text); INSERT INTO legacy VALUES (1, "
      "'a');");
  Start("drop_legacy_table", kDropLegacyTable);
  Exec(*old_, "INSERT INTO legacy VALUES (2, 'b')");
  Rollback();
  EXPECT_EQ(Columns("legacy"), (std::vector<std::string>{"id integer NOT NULL", "note text NULL"}));
  EXPECT_EQ(Query(*old_, "SELECT * FROM legacy ORDER BY id"), (Rows{{"1", "a"}, {"2", "b"}}));
  ExpectRollbackClean();
}

}  // namespace
}  // namespace zs::ops
