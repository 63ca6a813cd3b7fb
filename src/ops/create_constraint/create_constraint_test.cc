// Lifecycle tests of create_constraint against a real PostgreSQL: after start the old
// shape and the new version are both readable and writable and each sees the
// other's writes (up/down applied); complete leaves the final physical shape;
// rollback leaves the table as it was; bad input is refused before anything
// changes.
#include "ops/swap_lifecycle_fixture.h"

namespace zs::ops {
namespace {

// ------------------------------------------------------------ create_constraint

constexpr const char* kCreateTickets =
    "CREATE TABLE sellers (name varchar(255), zip integer, PRIMARY KEY (name, zip));"
    "INSERT INTO sellers VALUES ('alice', 1), ('bob', 2);"
    "CREATE TABLE tickets (ticket_id integer PRIMARY KEY, sellers_name varchar(255),"
    " sellers_zip integer);"
    "INSERT INTO tickets VALUES (1, 'alice', 1), (2, 'bob', 2), (3, 'bob', 0);";

constexpr const char* kTicketsUnique = R"yaml(operations:
  - create_constraint:
      type: unique
      table: tickets
      name: unique_zip_name
      columns: [sellers_name, sellers_zip]
      up:
        sellers_name: sellers_name
        sellers_zip: CASE WHEN ticket_id > 3 AND sellers_name = 'alice' THEN -ticket_id ELSE sellers_zip END
      down:
        sellers_name: sellers_name
        sellers_zip: sellers_zip
)yaml";

TEST_F(ConstraintLifecycle, CreateUniqueConstraintStartAndComplete) {
  Exec(kCreateTickets);
  Start("tickets_unique", kTicketsUnique);
  EXPECT_TRUE(Has(Indexes("tickets"),
                  "CREATE UNIQUE INDEX unique_zip_name ON public.tickets USING btree "
                  "(_zs_new_sellers_name, _zs_new_sellers_zip)"));
  // The old version writes a duplicate pair; up moves it aside.
  Exec(*old_, "INSERT INTO tickets VALUES (4, 'alice', 1)");
  EXPECT_EQ(Value(*new_, "SELECT sellers_zip FROM tickets WHERE ticket_id = 4"), "-4");
  EXPECT_TRUE(Fails(*new_, "INSERT INTO tickets VALUES (5, 'bob', 2)"));
  Exec(*new_, "INSERT INTO tickets VALUES (5, 'bob', 5)");

  Complete();
  EXPECT_TRUE(Has(Constraints("tickets"), "unique_zip_name UNIQUE (sellers_name, sellers_zip)"));
  EXPECT_TRUE(Fails(*new_, "INSERT INTO tickets VALUES (6, 'bob', 5)"));
  ExpectCompleteClean();
}

TEST_F(ConstraintLifecycle, CreateUniqueConstraintRollback) {
  Exec(kCreateTickets);
  Rows before = Dump("tickets");
  Start("tickets_unique", kTicketsUnique);
  Exec(*old_, "INSERT INTO tickets VALUES (4, 'alice', 1)");
  Rollback();
  EXPECT_EQ(Dump("tickets"), before);
  EXPECT_EQ(Value("SELECT sellers_zip FROM tickets WHERE ticket_id = 4"), "1");
  ExpectRollbackClean();
}

// pgroll's example 45.
constexpr const char* kTicketsCheck = R"yaml(operations:
  - create_constraint:
      type: check
      table: tickets
      name: check_zip_name
      columns: [sellers_name, sellers_zip]
      check: sellers_name = 'alice' OR sellers_zip > 0
      up:
        sellers_name: sellers_name
        sellers_zip: SELECT CASE WHEN sellers_name != 'alice' AND sellers_zip <= 0 THEN 123 WHEN sellers_name != 'alice' THEN sellers_zip ELSE sellers_zip END
      down:
        sellers_name: sellers_name
        sellers_zip: sellers_zip
)yaml";

TEST_F(ConstraintLifecycle, CreateCheckConstraintStartAndComplete) {
  Exec(kCreateTickets);
  Start("tickets_check", kTicketsCheck);
  EXPECT_TRUE(Has(Constraints("tickets"),
                  "check_zip_name CHECK ((((_zs_new_sellers_name)::text = 'alice'::text) OR "
                  "(_zs_new_sellers_zip > 0))) NOT VALID"));
  EXPECT_EQ(Value(*new_, "SELECT sellers_zip FROM tickets WHERE ticket_id = 3"), "123");
  Exec(*old_, "INSERT INTO tickets VALUES (4, 'carol', -5)");
  EXPECT_EQ(Value(*new_, "SELECT sellers_zip FROM tickets WHERE ticket_id = 4"), "123");
  EXPECT_EQ(Value(*old_, "SELECT sellers_zip FROM tickets WHERE ticket_id = 4"), "-5");
  EXPECT_TRUE(Fails(*new_, "INSERT INTO tickets VALUES (5, 'carol', -1)"));
  Exec(*new_, "INSERT INTO tickets VALUES (5, 'alice', -1)");

  Complete();
  EXPECT_TRUE(Has(Constraints("tickets"),
                  "check_zip_name CHECK ((((sellers_name)::text = 'alice'::text) OR (sellers_zip "
                  "> 0)))"));
  EXPECT_TRUE(Fails(*new_, "INSERT INTO tickets VALUES (6, 'carol', -1)"));
  ExpectCompleteClean();
}

TEST_F(ConstraintLifecycle, CreateCheckConstraintRollback) {
  Exec(kCreateTickets);
  Rows before = Dump("tickets");
  Start("tickets_check", kTicketsCheck);
  Exec(*new_, "INSERT INTO tickets VALUES (5, 'alice', -1)");
  Rollback();
  EXPECT_EQ(Dump("tickets"), before);
  ExpectRollbackClean();
}

// pgroll's example 47, with an up that clears references to missing sellers.
constexpr const char* kTicketsForeignKey = R"yaml(operations:
  - create_constraint:
      type: foreign_key
      table: tickets
      name: fk_sellers
      columns: [sellers_name, sellers_zip]
      references:
        table: sellers
        columns: [name, zip]
        on_delete: CASCADE
      up:
        sellers_name: sellers_name
        sellers_zip: SELECT CASE WHEN EXISTS (SELECT 1 FROM sellers s WHERE s.name = sellers_name AND s.zip = sellers_zip) THEN sellers_zip END
      down:
        sellers_name: sellers_name
        sellers_zip: sellers_zip
)yaml";

TEST_F(ConstraintLifecycle, CreateForeignKeyConstraintStartAndComplete) {
  Exec(kCreateTickets);
  Start("tickets_fk", kTicketsForeignKey);
  EXPECT_EQ(Value(*new_, "SELECT sellers_zip FROM tickets WHERE ticket_id = 3"), "NULL");
  Exec(*old_, "INSERT INTO tickets VALUES (4, 'nobody', 9)");
  EXPECT_EQ(Value(*new_, "SELECT sellers_zip FROM tickets WHERE ticket_id = 4"), "NULL");
  EXPECT_TRUE(Fails(*new_, "INSERT INTO tickets VALUES (5, 'nobody', 9)"));
  Exec(*new_, "INSERT INTO tickets VALUES (5, 'bob', 2)");

  Complete();
  EXPECT_TRUE(Has(Constraints("tickets"),
                  "fk_sellers FOREIGN KEY (sellers_name, sellers_zip) REFERENCES sellers(name, "
                  "zip) ON DELETE CASCADE"));
  Exec(*new_, "DELETE FROM sellers WHERE name = 'bob'");
  EXPECT_EQ(Value("SELECT count(*) FROM tickets WHERE sellers_name = 'bob'"), "1");  // zip NULL
  ExpectCompleteClean();
}

TEST_F(ConstraintLifecycle, CreateForeignKeyConstraintRollback) {
  Exec(kCreateTickets);
  Rows before = Dump("tickets");
  Start("tickets_fk", kTicketsForeignKey);
  Exec(*old_, "INSERT INTO tickets VALUES (4, 'nobody', 9)");
  Rollback();
  EXPECT_EQ(Dump("tickets"), before);
  ExpectRollbackClean();
}

constexpr const char* kCreateCodes =
    "CREATE TABLE codes (code text, label text);"
    "INSERT INTO codes VALUES ('a', 'first'), (NULL, 'second');";

constexpr const char* kCodesPrimaryKey = R"yaml(operations:
  - create_constraint:
      type: primary_key
      table: codes
      name: codes_pkey
      columns: [code]
      up:
        code: coalesce(code, 'missing-' || label)
      down:
        code: code
)yaml";

TEST_F(ConstraintLifecycle, CreatePrimaryKeyStartAndComplete) {
  Exec(kCreateCodes);
  Start("codes_pkey", kCodesPrimaryKey);
  EXPECT_EQ(Query(*new_, "SELECT code FROM codes ORDER BY label"),
            (Rows{{"a"}, {"missing-second"}}));
  Exec(*old_, "INSERT INTO codes VALUES (NULL, 'third')");
  EXPECT_TRUE(Fails(*new_, "INSERT INTO codes VALUES (NULL, 'x')"));
  EXPECT_TRUE(Fails(*new_, "INSERT INTO codes VALUES ('a', 'x')"));

  Complete();
  EXPECT_EQ(Constraints("codes"), (std::vector<std::string>{"codes_pkey PRIMARY KEY (code)"}));
  EXPECT_EQ(Columns("codes"), (std::vector<std::string>{"label text NULL", "code text NOT NULL"}));
  EXPECT_EQ(Value("SELECT code FROM codes WHERE label = 'third'"), "missing-third");
  ExpectCompleteClean();
}

TEST_F(ConstraintLifecycle, CreatePrimaryKeyRollback) {
  Exec(kCreateCodes);
  Rows before = Dump("codes");
  Start("codes_pkey", kCodesPrimaryKey);
  Rollback();
  EXPECT_EQ(Dump("codes"), before);
  ExpectRollbackClean();
}

// pgroll's example 55: no old version reads a table this migration creates,
// so the constraint goes on directly.
constexpr const char* kTasksWithPrimaryKey = R"yaml(operations:
  - create_table:
      name: tasks
      columns:
        - {name: id, type: serial}
        - {name: title, type: varchar(255)}
  - create_constraint:
      name: tasks_pkey
      table: tasks
      columns: [id]
      type: primary_key
      up: {id: id}
      down: {id: id}
)yaml";

TEST_F(ConstraintLifecycle, CreatePrimaryKeyOnNewTableStartAndComplete) {
  Start("tasks", kTasksWithPrimaryKey);
  EXPECT_EQ(Constraints("tasks"), (std::vector<std::string>{"tasks_pkey PRIMARY KEY (id)"}));
  EXPECT_EQ(ZsLeftovers(), 0);  // no temporary columns
  Exec(*new_, "INSERT INTO tasks (title) VALUES ('one')");
  EXPECT_TRUE(Fails(*new_, "INSERT INTO tasks (id, title) VALUES (1, 'again')"));
  Complete();
  EXPECT_EQ(Constraints("tasks"), (std::vector<std::string>{"tasks_pkey PRIMARY KEY (id)"}));
  ExpectCompleteClean();
}

TEST_F(ConstraintLifecycle, CreatePrimaryKeyOnNewTableRollback) {
  Start("tasks", kTasksWithPrimaryKey);
  Rollback();
  EXPECT_FALSE(TableExists("public", "tasks"));
  ExpectRollbackClean();
}

}  // namespace
}  // namespace zs::ops
