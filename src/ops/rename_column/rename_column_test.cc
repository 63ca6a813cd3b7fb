// Lifecycle tests of rename_column against a real PostgreSQL: after start the old
// shape and the new version are both readable and writable and each sees the
// other's writes (up/down applied); complete leaves the final physical shape;
// rollback leaves the table as it was; bad input is refused before anything
// changes.
#include "ops/lifecycle_fixture.h"

namespace zs::ops {
namespace {

// --------------------------------------------------------------- rename_column

constexpr const char* kRenameName = R"yaml(operations:
  - rename_column:
      table: users
      from: name
      to: full_name
)yaml";

TEST_F(OpsLifecycle, RenameColumnStartAndComplete) {
  CreateUsers();
  Start("rename_name", kRenameName);
  EXPECT_EQ(Query(*new_, "SELECT id, full_name FROM users ORDER BY id"),
            (Rows{{"1", "Ada Lovelace"}, {"2", "Alan Turing"}}));
  EXPECT_TRUE(Fails(*new_, "SELECT name FROM users"));
  Exec(*new_, "INSERT INTO users (id, full_name) VALUES (3, 'Grace Hopper')");
  Exec(*old_, "INSERT INTO users (id, name) VALUES (4, 'Edsger Dijkstra')");
  EXPECT_EQ(Value(*old_, "SELECT name FROM users WHERE id = 3"), "Grace Hopper");
  EXPECT_EQ(Value(*new_, "SELECT full_name FROM users WHERE id = 4"), "Edsger Dijkstra");

  Complete();
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id integer NOT NULL", "full_name text NOT NULL"}));
  Exec(*new_, "UPDATE users SET full_name = 'Ada King' WHERE id = 1");
  EXPECT_EQ(Value(*new_, "SELECT full_name FROM users WHERE id = 1"), "Ada King");
  ExpectCompleteClean();
}

TEST_F(OpsLifecycle, RenameColumnRollback) {
  CreateUsers();
  Start("rename_name", kRenameName);
  Exec(*new_, "INSERT INTO users (id, full_name) VALUES (3, 'Grace Hopper')");
  Rollback();
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id integer NOT NULL", "name text NOT NULL"}));
  EXPECT_EQ(Query(*old_, "SELECT * FROM users ORDER BY id"),
            (Rows{{"1", "Ada Lovelace"}, {"2", "Alan Turing"}, {"3", "Grace Hopper"}}));
  ExpectRollbackClean();
}

}  // namespace
}  // namespace zs::ops
