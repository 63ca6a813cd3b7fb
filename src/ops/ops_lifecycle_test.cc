// Lifecycle tests of every operation the engine executes, against a real
// PostgreSQL: after start both the old shape (the raw table in public) and the
// new version (its version schema of views) are readable and writable, and each
// sees the other's writes with up/down applied; complete leaves the final
// physical shape; rollback leaves the table exactly as it was before start.
#include "ops/lifecycle_fixture.h"

namespace zs::ops {
namespace {

// ---------------------------------------------------------------- create_table

constexpr const char* kCreateItems = R"yaml(operations:
  - create_table:
      name: items
      columns:
        - {name: id, type: integer, pk: true}
        - {name: title, type: text, nullable: true}
)yaml";

TEST_F(OpsLifecycle, CreateTableStartAndComplete) {
  CreateUsers();
  Start("create_items", kCreateItems);
  EXPECT_TRUE(TableExists("public", "items"));
  Exec(*new_, "INSERT INTO items VALUES (1, 'through new')");
  Exec(*old_, "INSERT INTO items VALUES (2, 'through old')");
  EXPECT_EQ(Query(*old_, "SELECT id, title FROM items ORDER BY id"),
            (Rows{{"1", "through new"}, {"2", "through old"}}));
  EXPECT_EQ(Query(*new_, "SELECT id, title FROM items ORDER BY id"),
            (Rows{{"1", "through new"}, {"2", "through old"}}));
  // The new version shows the untouched tables too.
  EXPECT_EQ(Value(*new_, "SELECT count(*) FROM users"), "2");

  Complete();
  EXPECT_EQ(Columns("items"), (std::vector<std::string>{"id integer NOT NULL", "title text NULL"}));
  Exec(*new_, "INSERT INTO items VALUES (3, 'after complete')");
  EXPECT_EQ(Value(*new_, "SELECT count(*) FROM items"), "3");
  ExpectCompleteClean();
}

TEST_F(OpsLifecycle, CreateTableRollback) {
  CreateUsers();
  Start("create_items", kCreateItems);
  Exec(*new_, "INSERT INTO items VALUES (1, 'x')");
  Rollback();
  EXPECT_FALSE(TableExists("public", "items"));
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id integer NOT NULL", "name text NOT NULL"}));
  ExpectRollbackClean();
}

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

// ---------------------------------------------------------------- alter_column

constexpr const char* kScoreToInteger = R"yaml(operations:
  - alter_column:
      table: scores
      column: score
      type: integer
      up: CAST(score AS integer)
      down: CAST(score AS text)
)yaml";

TEST_F(OpsLifecycle, AlterColumnTypeStartAndComplete) {
  Exec(
      "CREATE TABLE scores (id integer PRIMARY KEY, score text);"
      "INSERT INTO scores VALUES (1, '1'), (2, '22');");
  Start("score_to_integer", kScoreToInteger);
  EXPECT_EQ(Query(*new_, "SELECT id, score, pg_typeof(score)::text FROM scores ORDER BY id"),
            (Rows{{"1", "1", "integer"}, {"2", "22", "integer"}}));
  Exec(*old_, "INSERT INTO scores VALUES (3, '7')");
  Exec(*new_, "INSERT INTO scores VALUES (4, 9)");
  Exec(*new_, "UPDATE scores SET score = score + 100 WHERE id = 1");
  Exec(*old_, "UPDATE scores SET score = '23' WHERE id = 2");
  EXPECT_EQ(
      Query(*old_, "SELECT id, score, pg_typeof(score)::text FROM scores ORDER BY id"),
      (Rows{{"1", "101", "text"}, {"2", "23", "text"}, {"3", "7", "text"}, {"4", "9", "text"}}));
  EXPECT_EQ(Query(*new_, "SELECT id, score FROM scores ORDER BY id"),
            (Rows{{"1", "101"}, {"2", "23"}, {"3", "7"}, {"4", "9"}}));

  Complete();
  EXPECT_EQ(Columns("scores"),
            (std::vector<std::string>{"id integer NOT NULL", "score integer NULL"}));
  EXPECT_EQ(Query(*old_, "SELECT id, score FROM scores ORDER BY id"),
            (Rows{{"1", "101"}, {"2", "23"}, {"3", "7"}, {"4", "9"}}));
  Exec(*new_, "INSERT INTO scores VALUES (5, 50)");
  EXPECT_EQ(Value(*new_, "SELECT sum(score) FROM scores"), "190");
  ExpectCompleteClean();
}

TEST_F(OpsLifecycle, AlterColumnTypeRollback) {
  Exec(
      "CREATE TABLE scores (id integer PRIMARY KEY, score text);"
      "INSERT INTO scores VALUES (1, '1'), (2, '22');");
  Start("score_to_integer", kScoreToInteger);
  Exec(*new_, "INSERT INTO scores VALUES (3, 9)");
  Exec(*new_, "UPDATE scores SET score = 5 WHERE id = 1");
  Exec(*old_, "INSERT INTO scores VALUES (4, '44')");
  Rollback();
  EXPECT_EQ(Columns("scores"),
            (std::vector<std::string>{"id integer NOT NULL", "score text NULL"}));
  EXPECT_EQ(Query(*old_, "SELECT * FROM scores ORDER BY id"),
            (Rows{{"1", "5"}, {"2", "22"}, {"3", "9"}, {"4", "44"}}));
  ExpectRollbackClean();
}

constexpr const char* kEmailNotNull = R"yaml(operations:
  - alter_column:
      table: contacts
      column: email
      nullable: false
      up: coalesce(email, 'unknown')
      down: email
)yaml";

TEST_F(OpsLifecycle, AlterColumnNotNullStartAndComplete) {
  Exec(
      "CREATE TABLE contacts (id integer PRIMARY KEY, email text);"
      "INSERT INTO contacts VALUES (1, 'a@x'), (2, NULL);");
  Start("email_not_null", kEmailNotNull);
  EXPECT_EQ(Query(*new_, "SELECT id, email FROM contacts ORDER BY id"),
            (Rows{{"1", "a@x"}, {"2", "unknown"}}));
  EXPECT_TRUE(Fails(*new_, "INSERT INTO contacts VALUES (3, NULL)"));
  Exec(*new_, "INSERT INTO contacts VALUES (3, 'c@x')");
  Exec(*old_, "INSERT INTO contacts VALUES (4, NULL)");
  EXPECT_EQ(Query(*old_, "SELECT id, email FROM contacts ORDER BY id"),
            (Rows{{"1", "a@x"}, {"2", "NULL"}, {"3", "c@x"}, {"4", "NULL"}}));
  EXPECT_EQ(Query(*new_, "SELECT id, email FROM contacts ORDER BY id"),
            (Rows{{"1", "a@x"}, {"2", "unknown"}, {"3", "c@x"}, {"4", "unknown"}}));

  Complete();
  EXPECT_EQ(Columns("contacts"),
            (std::vector<std::string>{"id integer NOT NULL", "email text NOT NULL"}));
  EXPECT_EQ(Query(*old_, "SELECT id, email FROM contacts ORDER BY id"),
            (Rows{{"1", "a@x"}, {"2", "unknown"}, {"3", "c@x"}, {"4", "unknown"}}));
  EXPECT_TRUE(Fails(*new_, "INSERT INTO contacts VALUES (5, NULL)"));
  Exec(*new_, "INSERT INTO contacts VALUES (5, 'e@x')");
  ExpectCompleteClean();
}

TEST_F(OpsLifecycle, AlterColumnNotNullRollback) {
  Exec(
      "CREATE TABLE contacts (id integer PRIMARY KEY, email text);"
      "INSERT INTO contacts VALUES (1, 'a@x'), (2, NULL);");
  Start("email_not_null", kEmailNotNull);
  Exec(*new_, "INSERT INTO contacts VALUES (3, 'c@x')");
  Exec(*new_, "UPDATE contacts SET email = 'b@x' WHERE id = 2");
  Exec(*old_, "INSERT INTO contacts VALUES (4, NULL)");
  Rollback();
  EXPECT_EQ(Columns("contacts"),
            (std::vector<std::string>{"id integer NOT NULL", "email text NULL"}));
  EXPECT_EQ(Query(*old_, "SELECT * FROM contacts ORDER BY id"),
            (Rows{{"1", "a@x"}, {"2", "b@x"}, {"3", "c@x"}, {"4", "NULL"}}));
  ExpectRollbackClean();
}

constexpr const char* kCounterToBigint = R"yaml(operations:
  - alter_column:
      table: counters
      column: n
      type: bigint
)yaml";

// Without up/down the value is carried over as is; the column stays NOT NULL.
TEST_F(OpsLifecycle, AlterColumnIntToBigintStartCompleteAndRollback) {
  for (bool complete : {true, false}) {
    SCOPED_TRACE(complete ? "complete" : "rollback");
    url_ = zs::testing::FreshDatabaseUrl();
    old_ = Connect("public");
    Exec(
        "CREATE TABLE counters (id integer PRIMARY KEY, n integer NOT NULL DEFAULT 0);"
        "INSERT INTO counters VALUES (1, 10), (2, 20);");
    Start("counter_to_bigint", kCounterToBigint);
    EXPECT_EQ(Value(*new_, "SELECT pg_typeof(n)::text FROM counters WHERE id = 1"), "bigint");
    Exec(*new_, "INSERT INTO counters (id) VALUES (3)");  // the default carries over
    Exec(*new_, "UPDATE counters SET n = 2147483647 WHERE id = 1");
    Exec(*old_, "INSERT INTO counters VALUES (4, 40)");
    EXPECT_TRUE(Fails(*new_, "INSERT INTO counters VALUES (5, NULL)"));
    EXPECT_EQ(Query(*old_, "SELECT id, n FROM counters ORDER BY id"),
              (Rows{{"1", "2147483647"}, {"2", "20"}, {"3", "0"}, {"4", "40"}}));
    EXPECT_EQ(Query(*new_, "SELECT id, n FROM counters ORDER BY id"),
              (Rows{{"1", "2147483647"}, {"2", "20"}, {"3", "0"}, {"4", "40"}}));
    if (complete) {
      Complete();
      EXPECT_EQ(Columns("counters"),
                (std::vector<std::string>{"id integer NOT NULL", "n bigint NOT NULL"}));
      Exec(*new_, "INSERT INTO counters VALUES (6, 9000000000)");
      EXPECT_EQ(Value(*new_, "SELECT n FROM counters WHERE id = 6"), "9000000000");
      ExpectCompleteClean();
    } else {
      Rollback();
      EXPECT_EQ(Columns("counters"),
                (std::vector<std::string>{"id integer NOT NULL", "n integer NOT NULL"}));
      EXPECT_EQ(Value("SELECT column_default FROM information_schema.columns WHERE "
                      "table_schema = 'public' AND table_name = 'counters' AND column_name = 'n'"),
                "0");
      EXPECT_EQ(Query(*old_, "SELECT * FROM counters ORDER BY id"),
                (Rows{{"1", "2147483647"}, {"2", "20"}, {"3", "0"}, {"4", "40"}}));
      ExpectRollbackClean();
    }
  }
}

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

// ------------------------------------------------------------------------- sql

constexpr const char* kSqlAudit = R"yaml(operations:
  - sql:
      up: CREATE TABLE audit (id integer PRIMARY KEY, msg text)
      down: DROP TABLE audit
)yaml";

TEST_F(OpsLifecycle, SqlStartAndComplete) {
  CreateUsers();
  Start("sql_audit", kSqlAudit);
  EXPECT_TRUE(TableExists("public", "audit"));
  // The schema is re-read after raw SQL, so the new version shows the table.
  Exec(*new_, "INSERT INTO audit VALUES (1, 'through new')");
  Exec(*old_, "INSERT INTO audit VALUES (2, 'through old')");
  EXPECT_EQ(Value(*old_, "SELECT msg FROM audit WHERE id = 1"), "through new");
  EXPECT_EQ(Value(*new_, "SELECT msg FROM audit WHERE id = 2"), "through old");

  Complete();
  EXPECT_EQ(Columns("audit"), (std::vector<std::string>{"id integer NOT NULL", "msg text NULL"}));
  EXPECT_EQ(Value(*new_, "SELECT count(*) FROM audit"), "2");
  ExpectCompleteClean();
}

TEST_F(OpsLifecycle, SqlRollback) {
  CreateUsers();
  Start("sql_audit", kSqlAudit);
  Exec(*new_, "INSERT INTO users VALUES (3, 'Grace')");
  Rollback();
  EXPECT_FALSE(TableExists("public", "audit"));
  EXPECT_EQ(Value(*old_, "SELECT count(*) FROM users"), "3");
  ExpectRollbackClean();
}

}  // namespace
}  // namespace zs::ops
