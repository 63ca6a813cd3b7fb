// Lifecycle tests of alter_column against a real PostgreSQL: after start the old
// shape and the new version are both readable and writable and each sees the
// other's writes (up/down applied); complete leaves the final physical shape;
// rollback leaves the table as it was; bad input is refused before anything
// changes.
#include "ops/lifecycle_fixture.h"
#include "ops/swap_lifecycle_fixture.h"

namespace zs::ops {
namespace {

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

}  // namespace
}  // namespace zs::ops
