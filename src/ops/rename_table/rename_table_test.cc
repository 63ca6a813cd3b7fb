// Lifecycle tests of rename_table against a real PostgreSQL: after start the old
// shape and the new version are both readable and writable and each sees the
// other's writes (up/down applied); complete leaves the final physical shape;
// rollback leaves the table as it was; bad input is refused before anything
// changes.
#include "ops/lifecycle_fixture.h"

namespace zs::ops {
namespace {

// ---------------------------------------------------------------- rename_table

constexpr const char* kRenameUsers = R"yaml(operations:
  - rename_table:
      from: users
      to: people
)yaml";

TEST_F(OpsLifecycle, RenameTableStartAndComplete) {
  CreateUsers();
  Start("rename_users", kRenameUsers);
  EXPECT_TRUE(Fails(*new_, "SELECT * FROM users"));
  Exec(*new_, "INSERT INTO people VALUES (3, 'Grace Hopper')");
  Exec(*old_, "INSERT INTO users VALUES (4, 'Edsger Dijkstra')");
  EXPECT_EQ(Value(*old_, "SELECT name FROM users WHERE id = 3"), "Grace Hopper");
  EXPECT_EQ(Value(*new_, "SELECT name FROM people WHERE id = 4"), "Edsger Dijkstra");

  Complete();
  EXPECT_FALSE(TableExists("public", "users"));
  EXPECT_EQ(Columns("people"),
            (std::vector<std::string>{"id integer NOT NULL", "name text NOT NULL"}));
  Exec(*new_, "INSERT INTO people VALUES (5, 'Barbara')");
  EXPECT_EQ(Value(*new_, "SELECT count(*) FROM people"), "5");
  ExpectCompleteClean();
}

TEST_F(OpsLifecycle, RenameTableRollback) {
  CreateUsers();
  Start("rename_users", kRenameUsers);
  Exec(*new_, "INSERT INTO people VALUES (3, 'Grace Hopper')");
  Rollback();
  EXPECT_FALSE(TableExists("public", "people"));
  EXPECT_EQ(Query(*old_, "SELECT * FROM users ORDER BY id"),
            (Rows{{"1", "Ada Lovelace"}, {"2", "Alan Turing"}, {"3", "Grace Hopper"}}));
  ExpectRollbackClean();
}

}  // namespace
}  // namespace zs::ops
