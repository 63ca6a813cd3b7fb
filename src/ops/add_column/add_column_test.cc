// Lifecycle tests of add_column against a real PostgreSQL: after start the old
// shape and the new version are both readable and writable and each sees the
// other's writes (up/down applied); complete leaves the final physical shape;
// rollback leaves the table as it was; bad input is refused before anything
// changes.
#include "ops/lifecycle_fixture.h"

namespace zs::ops {
namespace {

// ------------------------------------------------------------------ add_column

constexpr const char* kAddFirstName = R"yaml(operations:
  - add_column:
      table: users
      up: split_part(name, ' ', 1)
      column: {name: first_name, type: text, nullable: true}
)yaml";

TEST_F(OpsLifecycle, AddColumnNullableStartAndComplete) {
  CreateUsers();
  Start("add_first_name", kAddFirstName);
  // Backfilled by up.
  EXPECT_EQ(Query(*new_, "SELECT id, first_name FROM users ORDER BY id"),
            (Rows{{"1", "Ada"}, {"2", "Alan"}}));
  // Old writes get up applied; new writes keep their own value.
  Exec(*old_, "INSERT INTO users (id, name) VALUES (3, 'Grace Hopper')");
  Exec(*old_, "UPDATE users SET name = 'Augusta Lovelace' WHERE id = 1");
  Exec(*new_, "INSERT INTO users (id, name, first_name) VALUES (4, 'Edsger Dijkstra', 'E.')");
  EXPECT_EQ(Query(*new_, "SELECT id, name, first_name FROM users ORDER BY id"),
            (Rows{{"1", "Augusta Lovelace", "Augusta"},
                  {"2", "Alan Turing", "Alan"},
                  {"3", "Grace Hopper", "Grace"},
                  {"4", "Edsger Dijkstra", "E."}}));
  EXPECT_EQ(Value(*old_, "SELECT name FROM users WHERE id = 4"), "Edsger Dijkstra");

  Complete();
  EXPECT_EQ(Columns("users"), (std::vector<std::string>{"id integer NOT NULL", "name text NOT NULL",
                                                        "first_name text NULL"}));
  Exec(*new_, "INSERT INTO users (id, name, first_name) VALUES (5, 'Barbara Liskov', 'Barbara')");
  EXPECT_EQ(Value(*new_, "SELECT first_name FROM users WHERE id = 3"), "Grace");
  ExpectCompleteClean();
}

TEST_F(OpsLifecycle, AddColumnNullableRollback) {
  CreateUsers();
  Start("add_first_name", kAddFirstName);
  Exec(*old_, "INSERT INTO users (id, name) VALUES (3, 'Grace Hopper')");
  Exec(*new_, "INSERT INTO users (id, name, first_name) VALUES (4, 'Edsger Dijkstra', 'E.')");
  Exec(*new_, "UPDATE users SET name = 'Alan M. Turing' WHERE id = 2");
  Rollback();
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id integer NOT NULL", "name text NOT NULL"}));
  EXPECT_EQ(Query(*old_, "SELECT * FROM users ORDER BY id"), (Rows{{"1", "Ada Lovelace"},
                                                                   {"2", "Alan M. Turing"},
                                                                   {"3", "Grace Hopper"},
                                                                   {"4", "Edsger Dijkstra"}}));
  ExpectRollbackClean();
}

constexpr const char* kAddNotNull = R"yaml(operations:
  - add_column:
      table: users
      up: upper(name)
      column: {name: shout, type: text, nullable: false}
)yaml";

TEST_F(OpsLifecycle, AddColumnNotNullStartAndComplete) {
  CreateUsers();
  Start("add_shout", kAddNotNull);
  EXPECT_EQ(Value(*new_, "SELECT shout FROM users WHERE id = 1"), "ADA LOVELACE");
  Exec(*old_, "INSERT INTO users (id, name) VALUES (3, 'Grace Hopper')");
  EXPECT_EQ(Value(*new_, "SELECT shout FROM users WHERE id = 3"), "GRACE HOPPER");
  Exec(*new_, "INSERT INTO users (id, name, shout) VALUES (4, 'Edsger', 'hi')");
  EXPECT_EQ(Value(*old_, "SELECT name FROM users WHERE id = 4"), "Edsger");
  // The new version must give a value: NOT NULL is enforced for new writes.
  EXPECT_TRUE(Fails(*new_, "INSERT INTO users (id, name) VALUES (5, 'Nobody')"));
  // While started the physical column is still nullable.
  EXPECT_EQ(Columns("users").back(), "shout text NULL");

  Complete();
  EXPECT_EQ(Columns("users"), (std::vector<std::string>{"id integer NOT NULL", "name text NOT NULL",
                                                        "shout text NOT NULL"}));
  EXPECT_EQ(Value(*new_, "SELECT string_agg(shout, ',' ORDER BY id) FROM users"),
            "ADA LOVELACE,ALAN TURING,GRACE HOPPER,hi");
  ExpectCompleteClean();
}

TEST_F(OpsLifecycle, AddColumnNotNullRollback) {
  CreateUsers();
  Start("add_shout", kAddNotNull);
  Exec(*new_, "INSERT INTO users (id, name, shout) VALUES (3, 'Edsger', 'hi')");
  Exec(*old_, "INSERT INTO users (id, name) VALUES (4, 'Grace')");
  Rollback();
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id integer NOT NULL", "name text NOT NULL"}));
  EXPECT_EQ(Query(*old_, "SELECT * FROM users ORDER BY id"),
            (Rows{{"1", "Ada Lovelace"}, {"2", "Alan Turing"}, {"3", "Edsger"}, {"4", "Grace"}}));
  ExpectRollbackClean();
}

constexpr const char* kAddDefault = R"yaml(operations:
  - add_column:
      table: users
      column: {name: status, type: text, nullable: false, default: "'active'"}
)yaml";

TEST_F(OpsLifecycle, AddColumnWithDefaultStartAndComplete) {
  CreateUsers();
  Start("add_status", kAddDefault);
  EXPECT_EQ(Query(*new_, "SELECT id, status FROM users ORDER BY id"),
            (Rows{{"1", "active"}, {"2", "active"}}));
  Exec(*old_, "INSERT INTO users (id, name) VALUES (3, 'Grace')");
  Exec(*new_, "INSERT INTO users (id, name) VALUES (4, 'Edsger')");  // view default
  Exec(*new_, "INSERT INTO users (id, name, status) VALUES (5, 'Barbara', 'banned')");
  EXPECT_EQ(Query(*new_, "SELECT id, status FROM users WHERE id >= 3 ORDER BY id"),
            (Rows{{"3", "active"}, {"4", "active"}, {"5", "banned"}}));
  EXPECT_EQ(Value(*old_, "SELECT count(*) FROM users"), "5");

  Complete();
  EXPECT_EQ(Columns("users"), (std::vector<std::string>{"id integer NOT NULL", "name text NOT NULL",
                                                        "status text NOT NULL"}));
  EXPECT_EQ(Value("SELECT column_default FROM information_schema.columns WHERE table_schema = "
                  "'public' AND table_name = 'users' AND column_name = 'status'"),
            "'active'::text");
  Exec(*new_, "INSERT INTO users (id, name) VALUES (6, 'Niklaus')");
  EXPECT_EQ(Value(*new_, "SELECT status FROM users WHERE id = 6"), "active");
  ExpectCompleteClean();
}

TEST_F(OpsLifecycle, AddColumnWithDefaultRollback) {
  CreateUsers();
  Start("add_status", kAddDefault);
  Exec(*new_, "INSERT INTO users (id, name, status) VALUES (3, 'Barbara', 'banned')");
  Rollback();
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id integer NOT NULL", "name text NOT NULL"}));
  EXPECT_EQ(Query(*old_, "SELECT * FROM users ORDER BY id"),
            (Rows{{"1", "Ada Lovelace"}, {"2", "Alan Turing"}, {"3", "Barbara"}}));
  ExpectRollbackClean();
}

}  // namespace
}  // namespace zs::ops
