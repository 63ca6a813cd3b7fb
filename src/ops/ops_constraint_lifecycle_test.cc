// Lifecycle tests of the operations built on the column swap (ops/column_swap.h):
// alter_column (each part and all together), create_constraint,
// drop_constraint and drop_multicolumn_constraint, against a real PostgreSQL.
// After start the old version can still write what the new rule forbids (`up`
// fixes it up in the new column) while the new version's writes are checked;
// after complete the constraint or index exists under its name on the final
// column, validated; after rollback the table's catalog entries are exactly
// what they were; bad input is refused before anything changes.
#include <algorithm>

#include "migration/parser.h"
#include "ops/lifecycle_fixture.h"

namespace zs::ops {
namespace {

class ConstraintLifecycle : public OpsLifecycle {
 protected:
  // Columns, constraints and indexes of public.`table`, one text row each.
  Rows Dump(const std::string& table) {
    std::string rel = "'public." + table + "'::regclass";
    return Query(*old_,
                 "SELECT kind, def FROM ("
                 " SELECT 'column' AS kind, a.attname || ' ' || format_type(a.atttypid, "
                 "a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END || "
                 "coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') || "
                 "coalesce(' COMMENT ' || col_description(a.attrelid, a.attnum), '') AS def"
                 " FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND "
                 "d.adnum = a.attnum WHERE a.attrelid = " +
                     rel +
                     " AND a.attnum > 0 AND NOT a.attisdropped"
                     " UNION ALL SELECT 'constraint', conname || ' ' || pg_get_constraintdef(oid) "
                     "FROM pg_constraint WHERE conrelid = " +
                     rel +
                     " UNION ALL SELECT 'index', pg_get_indexdef(indexrelid) || CASE WHEN "
                     "indisvalid THEN '' ELSE ' INVALID' END || CASE WHEN indisreplident THEN "
                     "' REPLICA IDENTITY' ELSE '' END FROM pg_index WHERE indrelid = " +
                     rel +
                     " UNION ALL SELECT 'table', 'replica identity ' || relreplident::text FROM "
                     "pg_class WHERE oid = " +
                     rel + ") dump ORDER BY kind, def");
  }

  // "name definition" of each constraint of public.`table`, by name (the
  // definition ends in NOT VALID for one not validated yet).
  std::vector<std::string> Constraints(const std::string& table) {
    Rows rows = Query(*old_,
                      "SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
                      "WHERE conrelid = 'public." +
                          table + "'::regclass AND contype <> 'n' ORDER BY conname");
    std::vector<std::string> out;
    for (auto& row : rows) out.push_back(row[0]);
    return out;
  }

  // pg_get_indexdef of each index of public.`table`, by name ("INVALID" appended if so).
  std::vector<std::string> Indexes(const std::string& table) {
    Rows rows = Query(*old_,
                      "SELECT pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' "
                      "ELSE ' INVALID' END FROM pg_index i JOIN pg_class c ON c.oid = "
                      "i.indexrelid WHERE i.indrelid = 'public." +
                          table + "'::regclass ORDER BY c.relname");
    std::vector<std::string> out;
    for (auto& row : rows) out.push_back(row[0]);
    return out;
  }

  // Runs start like OpsLifecycle::Start but returns its status instead of throwing.
  Status TryStart(const std::string& name, const std::string& yaml) {
    auto migration = migration::ParseMigration(yaml, name + ".yaml");
    if (!migration.ok()) return migration.status();
    auto engine = engine::Engine::Connect(url_, engine::Options{});
    if (!engine.ok()) return engine.status();
    engine_.emplace(std::move(engine).value());
    Status init = engine_->Init();
    if (!init.ok()) return init;
    return engine_->Start(*migration);
  }

  // A fresh database for the second half of a start/complete/rollback pair.
  void FreshDatabase() {
    url_ = zs::testing::FreshDatabaseUrl();
    old_ = Connect("public");
  }
};

::testing::AssertionResult Has(const std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) != list.end()) {
    return ::testing::AssertionSuccess();
  }
  auto failure = ::testing::AssertionFailure() << "\"" << item << "\" is not among:";
  for (const auto& entry : list) failure << "\n  " << entry;
  return failure;
}

// ---------------------------------------------------------- alter_column unique

constexpr const char* kCreateReviews =
    "CREATE TABLE reviews (id integer PRIMARY KEY, review text);"
    "INSERT INTO reviews VALUES (1, 'good'), (2, 'bad'), (3, 'good');";

constexpr const char* kReviewUnique = R"yaml(operations:
  - alter_column:
      table: reviews
      column: review
      unique:
        name: reviews_review_unique
      up: review || '-' || id
      down: review
)yaml";

TEST_F(ConstraintLifecycle, AlterColumnUniqueStartAndComplete) {
  Exec(kCreateReviews);
  Start("review_unique", kReviewUnique);
  // Built CONCURRENTLY on the new column, under its final name, at start.
  EXPECT_TRUE(Has(Indexes("reviews"),
                  "CREATE UNIQUE INDEX reviews_review_unique ON public.reviews USING btree "
                  "(_zs_new_review)"));
  EXPECT_EQ(Query(*new_, "SELECT review FROM reviews ORDER BY id"),
            (Rows{{"good-1"}, {"bad-2"}, {"good-3"}}));
  // The old version may still write a duplicate: up makes it unique.
  Exec(*old_, "INSERT INTO reviews VALUES (4, 'good')");
  EXPECT_EQ(Value(*new_, "SELECT review FROM reviews WHERE id = 4"), "good-4");
  // The new version's writes are checked.
  EXPECT_TRUE(Fails(*new_, "INSERT INTO reviews VALUES (5, 'bad-2')"));
  Exec(*new_, "INSERT INTO reviews VALUES (5, 'fine')");
  EXPECT_EQ(Value(*old_, "SELECT review FROM reviews WHERE id = 5"), "fine");

  Complete();
  EXPECT_TRUE(Has(Constraints("reviews"), "reviews_review_unique UNIQUE (review)"));
  EXPECT_EQ(Query(*old_, "SELECT review FROM reviews ORDER BY id"),
            (Rows{{"good-1"}, {"bad-2"}, {"good-3"}, {"good-4"}, {"fine"}}));
  EXPECT_TRUE(Fails(*new_, "INSERT INTO reviews VALUES (6, 'fine')"));
  ExpectCompleteClean();
}

TEST_F(ConstraintLifecycle, AlterColumnUniqueRollback) {
  Exec(kCreateReviews);
  Rows before = Dump("reviews");
  Start("review_unique", kReviewUnique);
  Exec(*new_, "INSERT INTO reviews VALUES (4, 'new')");
  Exec(*old_, "INSERT INTO reviews VALUES (5, 'good')");
  Rollback();
  EXPECT_EQ(Dump("reviews"), before);
  EXPECT_EQ(Query(*old_, "SELECT review FROM reviews ORDER BY id"),
            (Rows{{"good"}, {"bad"}, {"good"}, {"new"}, {"good"}}));
  ExpectRollbackClean();
}

// ----------------------------------------------------------- alter_column check

constexpr const char* kCreatePosts =
    "CREATE TABLE posts (id integer PRIMARY KEY, title varchar(255));"
    "INSERT INTO posts VALUES (1, 'ab'), (2, 'hello');";

constexpr const char* kTitleCheck = R"yaml(operations:
  - alter_column:
      table: posts
      column: title
      check:
        name: title_length
        constraint: length(title) > 3
      up: SELECT CASE WHEN length(title) <= 3 THEN LPAD(title, 4, '-') ELSE title END
      down: title
)yaml";

TEST_F(ConstraintLifecycle, AlterColumnCheckStartAndComplete) {
  Exec(kCreatePosts);
  Start("title_check", kTitleCheck);
  EXPECT_TRUE(Has(Constraints("posts"),
                  "title_length CHECK ((length((_zs_new_title)::text) > 3)) NOT VALID"));
  EXPECT_EQ(Query(*new_, "SELECT title FROM posts ORDER BY id"), (Rows{{"--ab"}, {"hello"}}));
  Exec(*old_, "INSERT INTO posts VALUES (3, 'xy')");
  EXPECT_EQ(Value(*new_, "SELECT title FROM posts WHERE id = 3"), "--xy");
  EXPECT_EQ(Value(*old_, "SELECT title FROM posts WHERE id = 3"), "xy");
  EXPECT_TRUE(Fails(*new_, "INSERT INTO posts VALUES (4, 'no')"));
  Exec(*new_, "INSERT INTO posts VALUES (4, 'long enough')");

  Complete();
  EXPECT_TRUE(Has(Constraints("posts"), "title_length CHECK ((length((title)::text) > 3))"));
  EXPECT_EQ(Query(*old_, "SELECT title FROM posts ORDER BY id"),
            (Rows{{"--ab"}, {"hello"}, {"--xy"}, {"long enough"}}));
  EXPECT_TRUE(Fails(*new_, "INSERT INTO posts VALUES (5, 'no')"));
  ExpectCompleteClean();
}

TEST_F(ConstraintLifecycle, AlterColumnCheckRollback) {
  Exec(kCreatePosts);
  Rows before = Dump("posts");
  Start("title_check", kTitleCheck);
  Exec(*old_, "INSERT INTO posts VALUES (3, 'xy')");
  Exec(*new_, "INSERT INTO posts VALUES (4, 'long enough')");
  Rollback();
  EXPECT_EQ(Dump("posts"), before);
  EXPECT_EQ(Value("SELECT count(*) FROM posts"), "4");
  ExpectRollbackClean();
}

// ------------------------------------------------------ alter_column references

constexpr const char* kCreateUsersPosts =
    "CREATE TABLE users (id integer PRIMARY KEY, name text);"
    "INSERT INTO users VALUES (1, 'ada'), (2, 'alan');"
    "CREATE TABLE posts (id integer PRIMARY KEY, user_id integer);"
    "INSERT INTO posts VALUES (1, 1), (2, 99), (3, 2);";

// pgroll's example 21: `users.id` in up is a column of the subquery's table.
constexpr const char* kPostsUserFk = R"yaml(operations:
  - alter_column:
      table: posts
      column: user_id
      references:
        name: fk_users_id
        table: users
        column: id
        on_delete: CASCADE
      up: SELECT CASE WHEN EXISTS (SELECT 1 FROM users WHERE users.id = user_id) THEN user_id ELSE NULL END
      down: user_id
)yaml";

TEST_F(ConstraintLifecycle, AlterColumnReferencesStartAndComplete) {
  Exec(kCreateUsersPosts);
  Start("posts_user_fk", kPostsUserFk);
  EXPECT_TRUE(Has(Constraints("posts"),
                  "fk_users_id FOREIGN KEY (_zs_new_user_id) REFERENCES users(id) ON DELETE "
                  "CASCADE NOT VALID"));
  EXPECT_EQ(Query(*new_, "SELECT id, user_id FROM posts ORDER BY id"),
            (Rows{{"1", "1"}, {"2", "NULL"}, {"3", "2"}}));
  Exec(*old_, "INSERT INTO posts VALUES (4, 77)");
  EXPECT_EQ(Value(*new_, "SELECT user_id FROM posts WHERE id = 4"), "NULL");
  EXPECT_EQ(Value(*old_, "SELECT user_id FROM posts WHERE id = 4"), "77");
  EXPECT_TRUE(Fails(*new_, "INSERT INTO posts VALUES (5, 55)"));
  Exec(*new_, "INSERT INTO posts VALUES (5, 2)");

  Complete();
  EXPECT_TRUE(Has(Constraints("posts"),
                  "fk_users_id FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE"));
  Exec(*new_, "DELETE FROM users WHERE id = 2");  // cascades
  EXPECT_EQ(Query(*old_, "SELECT id, user_id FROM posts ORDER BY id"),
            (Rows{{"1", "1"}, {"2", "NULL"}, {"4", "NULL"}}));
  ExpectCompleteClean();
}

TEST_F(ConstraintLifecycle, AlterColumnReferencesRollback) {
  Exec(kCreateUsersPosts);
  Rows before = Dump("posts");
  Start("posts_user_fk", kPostsUserFk);
  Exec(*old_, "INSERT INTO posts VALUES (4, 77)");
  Rollback();
  EXPECT_EQ(Dump("posts"), before);
  EXPECT_EQ(Value("SELECT user_id FROM posts WHERE id = 4"), "77");
  ExpectRollbackClean();
}

// ------------------------------------------------- alter_column, every part

constexpr const char* kCreateEvents =
    "CREATE TABLE events (id integer PRIMARY KEY,"
    " name varchar(255) DEFAULT '<placeholder>');"
    "COMMENT ON COLUMN events.name IS 'the name of the event';"
    "INSERT INTO events VALUES (1, 'abc'), (2, 'concert'), (3, NULL);";

// pgroll's example 35 (its `down` names a column events does not have; here
// it is the column itself), on a table with rows that up must fix.
constexpr const char* kEventsName = R"yaml(operations:
  - alter_column:
      table: events
      column: name
      type: text
      default: '''unknown event'''
      nullable: false
      comment: the full name of the event
      unique:
        name: events_event_name_unique
      check:
        name: event_name_length
        constraint: length(name) > 3
      up: SELECT CASE WHEN name IS NULL OR LENGTH(name) <= 3 THEN 'placeholder-' || id ELSE name END
      down: name
)yaml";

TEST_F(ConstraintLifecycle, AlterColumnEveryPartStartAndComplete) {
  Exec(kCreateEvents);
  Start("events_name", kEventsName);
  EXPECT_EQ(Query(*new_, "SELECT name, pg_typeof(name)::text FROM events ORDER BY id"),
            (Rows{{"placeholder-1", "text"}, {"concert", "text"}, {"placeholder-3", "text"}}));
  Exec(*new_, "INSERT INTO events (id) VALUES (4)");  // the new default
  EXPECT_EQ(Value(*new_, "SELECT name FROM events WHERE id = 4"), "unknown event");
  EXPECT_EQ(Value(*old_, "SELECT name FROM events WHERE id = 4"), "unknown event");
  Exec(*old_, "INSERT INTO events VALUES (5, NULL)");  // what the new rules forbid
  EXPECT_EQ(Value(*new_, "SELECT name FROM events WHERE id = 5"), "placeholder-5");
  EXPECT_TRUE(Fails(*new_, "INSERT INTO events VALUES (6, NULL)"));       // NOT NULL
  EXPECT_TRUE(Fails(*new_, "INSERT INTO events VALUES (6, 'abc')"));      // check
  EXPECT_TRUE(Fails(*new_, "INSERT INTO events VALUES (6, 'concert')"));  // unique
  Exec(*new_, "INSERT INTO events VALUES (6, 'festival')");

  Complete();
  Rows dump = Dump("events");
  EXPECT_TRUE(std::find(dump.begin(), dump.end(),
                        std::vector<std::string>{"column",
                                                 "name text NOT NULL DEFAULT 'unknown "
                                                 "event'::text COMMENT the full name of the "
                                                 "event"}) != dump.end());
  EXPECT_EQ(Constraints("events"),
            (std::vector<std::string>{"event_name_length CHECK ((length(name) > 3))",
                                      "events_event_name_unique UNIQUE (name)",
                                      "events_pkey PRIMARY KEY (id)"}));
  EXPECT_EQ(Value("SELECT count(*) FROM events"), "6");
  ExpectCompleteClean();
}

TEST_F(ConstraintLifecycle, AlterColumnEveryPartRollback) {
  Exec(kCreateEvents);
  Rows before = Dump("events");
  Start("events_name", kEventsName);
  Exec(*new_, "INSERT INTO events VALUES (6, 'festival')");
  Exec(*old_, "INSERT INTO events VALUES (7, 'ab')");
  Rollback();
  EXPECT_EQ(Dump("events"), before);
  EXPECT_EQ(Query(*old_, "SELECT id, name FROM events WHERE id > 5 ORDER BY id"),
            (Rows{{"6", "festival"}, {"7", "ab"}}));
  ExpectRollbackClean();
}

// ------------------------------ alter_column on a column with indexes and constraints

// Every kind of index and constraint the column has is carried over.
constexpr const char* kCreateItems =
    "CREATE TABLE owners (code varchar(20) PRIMARY KEY);"
    "INSERT INTO owners VALUES ('a'), ('b');"
    "CREATE TABLE items (id integer PRIMARY KEY, code varchar(20) NOT NULL,"
    " other integer NOT NULL DEFAULT 0,"
    " CONSTRAINT items_code_key UNIQUE (code) DEFERRABLE,"
    " CONSTRAINT items_code_other_key UNIQUE (other, code),"
    " CONSTRAINT items_code_check CHECK (code <> 'code'),"
    " CONSTRAINT items_code_fkey FOREIGN KEY (code) REFERENCES owners (code));"
    "CREATE INDEX items_code_idx ON items (code DESC NULLS LAST) INCLUDE (other);"
    "CREATE INDEX items_code_lower ON items USING hash (lower(code)) WHERE (code <> 'z');"
    "CREATE INDEX items_other_idx ON items (other);"
    "ALTER TABLE items REPLICA IDENTITY USING INDEX items_code_other_key;"
    "INSERT INTO items VALUES (1, 'a', 1), (2, 'b', 2);";

constexpr const char* kItemsCodeToText = R"yaml(operations:
  - alter_column:
      table: items
      column: code
      type: text
)yaml";

TEST_F(ConstraintLifecycle, AlterColumnCarriesIndexesAndConstraintsOver) {
  Exec(kCreateItems);
  Rows before = Dump("items");
  Start("items_code_text", kItemsCodeToText);
  std::vector<std::string> indexes = Indexes("items");
  EXPECT_TRUE(Has(indexes,
                  "CREATE INDEX _zs_dup_items_code_idx ON public.items USING btree "
                  "(_zs_new_code DESC NULLS LAST) INCLUDE (other)"));
  EXPECT_TRUE(Has(indexes,
                  "CREATE INDEX _zs_dup_items_code_lower ON public.items USING hash "
                  "(lower(_zs_new_code)) WHERE (_zs_new_code <> 'z'::text)"));
  // The new version's writes are checked by the copies.
  EXPECT_TRUE(Fails(*new_, "INSERT INTO items VALUES (3, 'a', 3)"));         // unique
  EXPECT_TRUE(Fails(*new_, "INSERT INTO items VALUES (3, 'code', 3)"));      // check
  EXPECT_TRUE(Fails(*new_, "INSERT INTO items VALUES (3, 'zz', 3)"));        // foreign key
  EXPECT_TRUE(Fails(*new_, "INSERT INTO items (id, other) VALUES (3, 3)"));  // not null
  Exec(*old_, "INSERT INTO owners VALUES ('c')");
  Exec(*new_, "INSERT INTO items VALUES (3, 'c', 3)");

  Complete();
  Rows after = Dump("items");
  EXPECT_EQ(after.size(), before.size());
  EXPECT_TRUE(std::find(after.begin(), after.end(),
                        std::vector<std::string>{"column", "code text NOT NULL"}) != after.end());
  std::vector<std::string> constraints = Constraints("items");
  EXPECT_EQ(constraints,
            (std::vector<std::string>{"items_code_check CHECK ((code <> 'code'::text))",
                                      "items_code_fkey FOREIGN KEY (code) REFERENCES owners(code)",
                                      "items_code_key UNIQUE (code) DEFERRABLE",
                                      "items_code_other_key UNIQUE (other, code)",
                                      "items_pkey PRIMARY KEY (id)"}));
  EXPECT_EQ(Indexes("items"),
            (std::vector<std::string>{
                "CREATE INDEX items_code_idx ON public.items USING btree (code DESC NULLS LAST) "
                "INCLUDE (other)",
                "CREATE UNIQUE INDEX items_code_key ON public.items USING btree (code)",
                "CREATE INDEX items_code_lower ON public.items USING hash (lower(code)) WHERE "
                "(code <> 'z'::text)",
                "CREATE UNIQUE INDEX items_code_other_key ON public.items USING btree (other, "
                "code)",
                "CREATE INDEX items_other_idx ON public.items USING btree (other)",
                "CREATE UNIQUE INDEX items_pkey ON public.items USING btree (id)"}));
  EXPECT_TRUE(Fails(*new_, "INSERT INTO items VALUES (4, 'a', 4)"));
  EXPECT_EQ(Value("SELECT indisreplident FROM pg_index WHERE indexrelid = "
                  "'items_code_other_key'::regclass"),
            "t");
  ExpectCompleteClean();
}

TEST_F(ConstraintLifecycle, AlterColumnWithIndexesRollback) {
  Exec(kCreateItems);
  Rows before = Dump("items");
  Start("items_code_text", kItemsCodeToText);
  Exec(*old_, "INSERT INTO owners VALUES ('c')");
  Exec(*new_, "INSERT INTO items VALUES (3, 'c', 3)");
  Rollback();
  EXPECT_EQ(Dump("items"), before);
  ExpectRollbackClean();
}

// pgroll's example 49: NOT NULL dropped from a column with a unique constraint.
constexpr const char* kCreateFruits =
    "CREATE TABLE fruits (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " name varchar(255) NOT NULL UNIQUE, price numeric(10, 2));"
    "INSERT INTO fruits (name) VALUES ('apple'), ('pear');";

constexpr const char* kFruitNameNullable = R"yaml(operations:
  - alter_column:
      table: fruits
      column: name
      nullable: true
      up: name
      down: SELECT CASE WHEN name IS NULL THEN 'unknown fruit ' || id ELSE name END
)yaml";

TEST_F(ConstraintLifecycle, AlterColumnNullableOnUniqueColumnStartAndComplete) {
  Exec(kCreateFruits);
  Start("fruit_name_nullable", kFruitNameNullable);
  Exec(*new_, "INSERT INTO fruits (name) VALUES (NULL)");
  EXPECT_EQ(Value(*old_, "SELECT name FROM fruits WHERE id = 3"), "unknown fruit 3");
  EXPECT_TRUE(Fails(*new_, "INSERT INTO fruits (name) VALUES ('apple')"));  // still unique

  Complete();
  EXPECT_EQ(Columns("fruits"),
            (std::vector<std::string>{"id bigint NOT NULL", "price numeric NULL",
                                      "name character varying NULL"}));  // the new column is last
  EXPECT_EQ(Constraints("fruits"), (std::vector<std::string>{"fruits_name_key UNIQUE (name)",
                                                             "fruits_pkey PRIMARY KEY (id)"}));
  EXPECT_EQ(Value("SELECT name FROM fruits WHERE id = 3"), "NULL");
  ExpectCompleteClean();
}

TEST_F(ConstraintLifecycle, AlterColumnNullableOnUniqueColumnRollback) {
  Exec(kCreateFruits);
  Rows before = Dump("fruits");
  Start("fruit_name_nullable", kFruitNameNullable);
  Exec(*new_, "INSERT INTO fruits (name) VALUES (NULL)");
  Rollback();
  EXPECT_EQ(Dump("fruits"), before);
  EXPECT_EQ(Value("SELECT name FROM fruits WHERE id = 3"), "unknown fruit 3");
  ExpectRollbackClean();
}

// A serial column keeps its sequence: ownership moves to the new column.
TEST_F(ConstraintLifecycle, AlterColumnSerialKeepsItsSequence) {
  Exec(
      "CREATE TABLE tickets (id integer PRIMARY KEY, n serial);"
      "INSERT INTO tickets (id) VALUES (1), (2);");
  Start("ticket_n_bigint", R"yaml(operations:
  - alter_column: {table: tickets, column: n, type: bigint}
)yaml");
  Exec(*new_, "INSERT INTO tickets (id) VALUES (3)");
  Complete();
  Exec(*new_, "INSERT INTO tickets (id) VALUES (4)");
  // While both columns exist each insert draws from the sequence for both
  // defaults: gaps, as a sequence may have anyway.
  EXPECT_EQ(Value("SELECT count(DISTINCT n) FROM tickets"), "4");
  EXPECT_EQ(Value("SELECT bool_and(n > 0) FROM tickets"), "t");
  EXPECT_EQ(Value("SELECT (SELECT n FROM tickets WHERE id = 4) > (SELECT max(n) FROM tickets "
                  "WHERE id < 4)"),
            "t");
  EXPECT_EQ(Value("SELECT pg_typeof(n)::text FROM tickets WHERE id = 4"), "bigint");
  EXPECT_EQ(Value("SELECT pg_get_serial_sequence('tickets', 'n')"), "public.tickets_n_seq");
  ExpectCompleteClean();
}

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

// Every operation of the swap works in place on a table created earlier in
// the same migration: nobody reads its old shape.
constexpr const char* kNotesInPlace = R"yaml(operations:
  - create_table:
      name: notes
      columns:
        - {name: id, type: integer, pk: true}
        - {name: body, type: varchar(10), nullable: true, check: {name: body_len, constraint: "length(body) > 0"}}
  - alter_column: {table: notes, column: body, type: text, nullable: false, unique: {name: notes_body_key}}
  - drop_constraint: {table: notes, name: body_len, up: body, down: body}
)yaml";

TEST_F(ConstraintLifecycle, OperationsOnNewTableRunInPlace) {
  for (bool complete : {true, false}) {
    SCOPED_TRACE(complete ? "complete" : "rollback");
    FreshDatabase();
    Start("notes", kNotesInPlace);
    EXPECT_EQ(Columns("notes"),
              (std::vector<std::string>{"id integer NOT NULL", "body text NOT NULL"}));
    EXPECT_EQ(Constraints("notes"), (std::vector<std::string>{"notes_body_key UNIQUE (body)",
                                                              "notes_pkey PRIMARY KEY (id)"}));
    EXPECT_EQ(ZsLeftovers(), 0);
    EXPECT_EQ(ZsTriggers(), 0);
    Exec(*new_, "INSERT INTO notes VALUES (1, '')");
    EXPECT_TRUE(Fails(*new_, "INSERT INTO notes VALUES (2, '')"));
    if (complete) {
      Complete();
      EXPECT_EQ(Constraints("notes"), (std::vector<std::string>{"notes_body_key UNIQUE (body)",
                                                                "notes_pkey PRIMARY KEY (id)"}));
      ExpectCompleteClean();
    } else {
      Rollback();
      EXPECT_FALSE(TableExists("public", "notes"));
      ExpectRollbackClean();
    }
  }
}

// -------------------------------------------------------------- drop_constraint

constexpr const char* kCreateCheckedPosts =
    "CREATE TABLE posts (id integer PRIMARY KEY,"
    " title varchar(255) CONSTRAINT title_length CHECK (length(title) > 3));"
    "INSERT INTO posts VALUES (1, 'hello');";

// pgroll's example 23.
constexpr const char* kDropTitleLength = R"yaml(operations:
  - drop_constraint:
      table: posts
      name: title_length
      up: title
      down: SELECT CASE WHEN length(title) <= 3 THEN LPAD(title, 4, '-') ELSE title END
)yaml";

TEST_F(ConstraintLifecycle, DropCheckConstraintStartAndComplete) {
  Exec(kCreateCheckedPosts);
  Start("drop_title_length", kDropTitleLength);
  Exec(*new_, "INSERT INTO posts VALUES (2, 'ab')");  // the new version is free of the check
  EXPECT_EQ(Value(*old_, "SELECT title FROM posts WHERE id = 2"), "--ab");
  EXPECT_EQ(Value(*new_, "SELECT title FROM posts WHERE id = 2"), "ab");
  EXPECT_TRUE(Fails(*old_, "INSERT INTO posts VALUES (3, 'xy')"));  // the old one is not

  Complete();
  EXPECT_EQ(Constraints("posts"), (std::vector<std::string>{"posts_pkey PRIMARY KEY (id)"}));
  Exec(*new_, "INSERT INTO posts VALUES (3, 'xy')");
  ExpectCompleteClean();
}

TEST_F(ConstraintLifecycle, DropCheckConstraintRollback) {
  Exec(kCreateCheckedPosts);
  Rows before = Dump("posts");
  Start("drop_title_length", kDropTitleLength);
  Exec(*new_, "INSERT INTO posts VALUES (2, 'ab')");
  Rollback();
  EXPECT_EQ(Dump("posts"), before);
  EXPECT_EQ(Value("SELECT title FROM posts WHERE id = 2"), "--ab");
  ExpectRollbackClean();
}

// pgroll's example 24.
constexpr const char* kCreateLinkedPosts =
    "CREATE TABLE users (id integer PRIMARY KEY);"
    "INSERT INTO users VALUES (1);"
    "CREATE TABLE posts (id integer PRIMARY KEY,"
    " user_id integer CONSTRAINT fk_users_id REFERENCES users (id));"
    "INSERT INTO posts VALUES (1, 1);";

constexpr const char* kDropUsersFk = R"yaml(operations:
  - drop_constraint:
      table: posts
      name: fk_users_id
      up: user_id
      down: SELECT CASE WHEN EXISTS (SELECT 1 FROM users WHERE users.id = user_id) THEN user_id ELSE NULL END
)yaml";

TEST_F(ConstraintLifecycle, DropForeignKeyStartCompleteAndRollback) {
  for (bool complete : {true, false}) {
    SCOPED_TRACE(complete ? "complete" : "rollback");
    FreshDatabase();
    Exec(kCreateLinkedPosts);
    Rows before = Dump("posts");
    Start("drop_users_fk", kDropUsersFk);
    Exec(*new_, "INSERT INTO posts VALUES (2, 42)");
    EXPECT_EQ(Value(*old_, "SELECT user_id FROM posts WHERE id = 2"), "NULL");
    EXPECT_EQ(Value(*new_, "SELECT user_id FROM posts WHERE id = 2"), "42");
    EXPECT_TRUE(Fails(*old_, "INSERT INTO posts VALUES (3, 42)"));
    if (complete) {
      Complete();
      EXPECT_EQ(Constraints("posts"), (std::vector<std::string>{"posts_pkey PRIMARY KEY (id)"}));
      Exec(*new_, "INSERT INTO posts VALUES (3, 42)");
      ExpectCompleteClean();
    } else {
      Rollback();
      EXPECT_EQ(Dump("posts"), before);
      ExpectRollbackClean();
    }
  }
}

// pgroll's example 27.
constexpr const char* kDropReviewUnique = R"yaml(operations:
  - drop_constraint:
      table: reviews
      name: reviews_review_unique
      up: review
      down: review || '-' || id
)yaml";

TEST_F(ConstraintLifecycle, DropUniqueConstraintStartCompleteAndRollback) {
  for (bool complete : {true, false}) {
    SCOPED_TRACE(complete ? "complete" : "rollback");
    FreshDatabase();
    Exec(
        "CREATE TABLE reviews (id integer PRIMARY KEY,"
        " review text CONSTRAINT reviews_review_unique UNIQUE);"
        "INSERT INTO reviews VALUES (1, 'good');");
    Rows before = Dump("reviews");
    Start("drop_review_unique", kDropReviewUnique);
    Exec(*new_, "INSERT INTO reviews VALUES (2, 'good')");  // a duplicate, allowed now
    EXPECT_EQ(Value(*old_, "SELECT review FROM reviews WHERE id = 2"), "good-2");
    EXPECT_TRUE(Fails(*old_, "INSERT INTO reviews VALUES (3, 'good')"));
    if (complete) {
      Complete();
      EXPECT_EQ(Constraints("reviews"),
                (std::vector<std::string>{"reviews_pkey PRIMARY KEY (id)"}));
      EXPECT_EQ(Indexes("reviews"),
                (std::vector<std::string>{
                    "CREATE UNIQUE INDEX reviews_pkey ON public.reviews USING btree (id)"}));
      Exec(*new_, "INSERT INTO reviews VALUES (3, 'good')");
      ExpectCompleteClean();
    } else {
      Rollback();
      EXPECT_EQ(Dump("reviews"), before);
      ExpectRollbackClean();
    }
  }
}

// -------------------------------------------------- drop_multicolumn_constraint

// pgroll's example 48, with a down that satisfies the dropped check.
constexpr const char* kDropTicketsCheck = R"yaml(operations:
  - drop_multicolumn_constraint:
      table: tickets
      name: check_zip_name
      up:
        sellers_name: sellers_name
        sellers_zip: sellers_zip
      down:
        sellers_name: sellers_name
        sellers_zip: SELECT CASE WHEN sellers_name <> 'alice' AND sellers_zip <= 0 THEN 123 ELSE sellers_zip END
)yaml";

TEST_F(ConstraintLifecycle, DropMultiColumnConstraintStartCompleteAndRollback) {
  for (bool complete : {true, false}) {
    SCOPED_TRACE(complete ? "complete" : "rollback");
    FreshDatabase();
    Exec(
        "CREATE TABLE tickets (ticket_id integer PRIMARY KEY, sellers_name varchar(255),"
        " sellers_zip integer, CONSTRAINT check_zip_name CHECK (sellers_name = 'alice' OR "
        "sellers_zip > 0), CONSTRAINT unique_zip_name UNIQUE (sellers_name, sellers_zip));"
        "INSERT INTO tickets VALUES (1, 'alice', 0), (2, 'bob', 2);");
    Rows before = Dump("tickets");
    Start("drop_tickets_check", kDropTicketsCheck);
    Exec(*new_, "INSERT INTO tickets VALUES (3, 'carol', -1)");
    EXPECT_EQ(Value(*old_, "SELECT sellers_zip FROM tickets WHERE ticket_id = 3"), "123");
    EXPECT_TRUE(Fails(*new_, "INSERT INTO tickets VALUES (4, 'bob', 2)"));  // still unique
    if (complete) {
      Complete();
      EXPECT_EQ(Constraints("tickets"),
                (std::vector<std::string>{"tickets_pkey PRIMARY KEY (ticket_id)",
                                          "unique_zip_name UNIQUE (sellers_name, sellers_zip)"}));
      ExpectCompleteClean();
    } else {
      Rollback();
      EXPECT_EQ(Dump("tickets"), before);
      ExpectRollbackClean();
    }
  }
}

// -------------------------------------------------------------------- bad input

struct BadInput {
  const char* name;
  const char* yaml;
  const char* message_part;
};

const BadInput kBadInputs[] = {
    {"unknown_column",
     "operations:\n  - alter_column: {table: posts, column: nope, unique: {name: u}}\n",
     "column \"nope\" does not exist in table \"posts\""},
    {"bad_check",
     "operations:\n  - alter_column:\n      table: posts\n      column: title\n      check: "
     "{name: c, constraint: 'length(title) >'}\n",
     "is not a single SQL expression"},
    {"smuggled_statement",
     "operations:\n  - alter_column:\n      table: posts\n      column: title\n      check: "
     "{name: c, constraint: 'true); DROP TABLE posts; SELECT (1'}\n",
     "is not a single SQL expression"},
    {"smuggled_up",
     "operations:\n  - alter_column:\n      table: posts\n      column: title\n      nullable: "
     "false\n      up: 'title; DROP TABLE posts'\n",
     "is not a single SQL expression"},
    {"check_on_unknown_column",
     "operations:\n  - create_constraint:\n      {table: posts, name: c, type: check, columns: "
     "[title], check: 'nope > 0', up: {title: title}, down: {title: title}}\n",
     "refers to column \"nope\""},
    {"up_for_other_column",
     "operations:\n  - create_constraint:\n      {table: posts, name: u, type: unique, columns: "
     "[title], up: {id: id}, down: {title: title}}\n",
     "names column \"id\", which is not one of the constraint's columns"},
    {"existing_constraint_name",
     "operations:\n  - alter_column: {table: posts, column: title, unique: {name: posts_pkey}}\n",
     "already has a constraint \"posts_pkey\""},
    {"unknown_constraint",
     "operations:\n  - drop_constraint: {table: posts, name: nope, up: title, down: title}\n",
     "has no check, foreign key or unique constraint \"nope\""},
    {"referenced_column",
     "operations:\n  - alter_column: {table: users, column: id, type: bigint}\n",
     "is referenced by foreign key \"posts_user_id_fkey\" of table \"posts\""},
    {"foreign_key_to_non_unique",
     "operations:\n  - alter_column:\n      table: posts\n      column: user_id\n      "
     "references: {name: f, table: users, column: name}\n",
     "have no primary key or unique constraint"},
};

class BadInputTest : public ConstraintLifecycle, public ::testing::WithParamInterface<BadInput> {};

TEST_P(BadInputTest, IsRefusedBeforeAnythingChanges) {
  Exec(
      "CREATE TABLE users (id integer PRIMARY KEY, name text);"
      "CREATE TABLE posts (id integer PRIMARY KEY, title text,"
      " user_id integer REFERENCES users (id));"
      "INSERT INTO users VALUES (1, 'a'); INSERT INTO posts VALUES (1, 'hello', 1);");
  Rows posts = Dump("posts"), users = Dump("users");
  Status status = TryStart(GetParam().name, GetParam().yaml);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(GetParam().message_part), std::string::npos) << status.ToString();
  EXPECT_NE(status.message().find(std::string(GetParam().name) + ".yaml:"), std::string::npos)
      << status.ToString();
  EXPECT_EQ(Dump("posts"), posts);
  EXPECT_EQ(Dump("users"), users);
  EXPECT_FALSE(SchemaExists(std::string("public_") + GetParam().name));
  EXPECT_EQ(ZsTriggers(), 0);
  EXPECT_EQ(ZsLeftovers(), 0);
}

INSTANTIATE_TEST_SUITE_P(Table, BadInputTest, ::testing::ValuesIn(kBadInputs),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace zs::ops
