#include "schema/schema.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "backend/postgres_backend.h"
#include "pg/connection.h"
#include "testing/shared_cluster.h"

namespace zs::schema {

// Field-by-field equality, for round-trip checks only.
bool operator==(const Column& a, const Column& b) {
  return a.name == b.name && a.physical_name == b.physical_name && a.type == b.type &&
         a.nullable == b.nullable && a.default_expr == b.default_expr &&
         a.generated == b.generated && a.identity == b.identity && a.comment == b.comment;
}
bool operator==(const Constraint& a, const Constraint& b) {
  return a.name == b.name && a.type == b.type && a.columns == b.columns &&
         a.definition == b.definition && a.validated == b.validated;
}
bool operator==(const Index& a, const Index& b) {
  return a.name == b.name && a.columns == b.columns && a.unique == b.unique &&
         a.primary == b.primary && a.valid == b.valid && a.definition == b.definition;
}
bool operator==(const Table& a, const Table& b) {
  return a.name == b.name && a.physical_name == b.physical_name && a.columns == b.columns &&
         a.primary_key == b.primary_key && a.constraints == b.constraints &&
         a.indexes == b.indexes && a.comment == b.comment && a.partitioned == b.partitioned;
}
bool operator==(const Schema& a, const Schema& b) {
  return a.name == b.name && a.tables == b.tables;
}

namespace {

Schema SampleSchema() {
  Table users;
  users.name = "users";
  users.physical_name = "users";
  users.columns = {
      {"id", "id", "bigint", false, std::nullopt, false, "a", std::nullopt},
      {"first_name", "_zs_first_name", "text", true, "'x'::text", false, "", "given name"},
      {"full", "full", "text", true, "(a || b)", true, "", std::nullopt},
  };
  users.primary_key = {"id"};
  users.constraints = {{"users_pkey", 'p', {"id"}, "PRIMARY KEY (id)", true},
                       {"chk", 'c', {"first_name"}, "CHECK (length(first_name) > 0)", false}};
  users.indexes = {{"users_pkey", {"id"}, true, true, true, "CREATE UNIQUE INDEX users_pkey ..."},
                   {"expr_idx", {}, false, false, false, "CREATE INDEX expr_idx ..."}};
  users.comment = "people \"quoted\" ünïcode";
  Table events;
  events.name = "events";
  events.physical_name = "events";
  events.partitioned = true;
  return Schema{"public", {users, events}};
}

TEST(SchemaJsonTest, RoundTripIsExact) {
  Schema schema = SampleSchema();
  nlohmann::json json = ToJson(schema);
  Result<Schema> back = SchemaFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(*back == schema);
  EXPECT_EQ(ToJson(*back), json);
  // Through text too, as the state table stores it.
  Result<Schema> reparsed = SchemaFromJson(nlohmann::json::parse(json.dump()));
  ASSERT_TRUE(reparsed.ok());
  EXPECT_TRUE(*reparsed == schema);
}

TEST(SchemaJsonTest, MalformedJsonIsAnErrorNotAnException) {
  for (const char* text :
       {"{}", "[]", "null", R"({"name": "public", "tables": {}})",
        R"({"name": "public", "tables": [{"name": 1}]})", R"({"name": 5, "tables": []})"}) {
    Result<Schema> result = SchemaFromJson(nlohmann::json::parse(text));
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.status().code(), Code::kInvalidInput);
  }
  nlohmann::json bad_type = ToJson(SampleSchema());
  bad_type["tables"][0]["constraints"][0]["type"] = "pk";
  EXPECT_FALSE(SchemaFromJson(bad_type).ok());
}

TEST(SchemaFindersTest, FindByVirtualAndPhysicalName) {
  Schema schema = SampleSchema();
  ASSERT_NE(schema.FindTable("users"), nullptr);
  EXPECT_EQ(schema.FindTable("nope"), nullptr);
  EXPECT_EQ(schema.FindPhysicalTable("events"), &schema.tables[1]);
  Table& users = *schema.FindTable("users");
  EXPECT_EQ(users.FindColumn("first_name"), &users.columns[1]);
  EXPECT_EQ(users.FindColumn("_zs_first_name"), nullptr);
  EXPECT_EQ(users.FindPhysicalColumn("_zs_first_name"), &users.columns[1]);
  EXPECT_TRUE(users.HasConstraint("chk"));
  EXPECT_FALSE(users.HasConstraint("nope"));
  ASSERT_NE(schema.FindIndex("expr_idx"), nullptr);
  EXPECT_FALSE(schema.FindIndex("expr_idx")->unique);
  EXPECT_EQ(schema.FindIndex("nope"), nullptr);
  schema.RemoveTable("users");
  EXPECT_EQ(schema.FindTable("users"), nullptr);
  EXPECT_EQ(schema.tables.size(), 1u);
}

constexpr char kFixtureSql[] = R"sql(
CREATE SCHEMA app;
CREATE TABLE app.users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email varchar(100) NOT NULL UNIQUE,
  name text DEFAULT 'anon',
  age integer CHECK (age >= 0),
  born timestamp with time zone,
  name_len integer GENERATED ALWAYS AS (length(name)) STORED
);
ALTER TABLE app.users ADD COLUMN dropped_soon int;
ALTER TABLE app.users DROP COLUMN dropped_soon;
COMMENT ON TABLE app.users IS 'people';
COMMENT ON COLUMN app.users.email IS 'login';
CREATE INDEX users_lower_email ON app.users (lower(email));
CREATE INDEX users_name_age ON app.users (name, age) INCLUDE (born);
CREATE TABLE app.memberships (
  group_id int,
  user_id bigint REFERENCES app.users (id),
  seq int GENERATED BY DEFAULT AS IDENTITY,
  PRIMARY KEY (user_id, group_id)
);
ALTER TABLE app.memberships ADD CONSTRAINT seq_positive CHECK (seq > 0) NOT VALID;
CREATE TABLE app.events (id int, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE public.elsewhere (x int);
CREATE VIEW app.a_view AS SELECT 1 AS one;
)sql";

class ReadSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<pg::Connection> conn = pg::Connection::Open(zs::testing::FreshDatabaseUrl());
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_.emplace(std::move(conn).value());
    ASSERT_TRUE(conn_->Run(kFixtureSql).ok());
    Result<Schema> schema = ReadSchema(*conn_, "app");
    ASSERT_TRUE(schema.ok()) << schema.status().ToString();
    schema_ = std::move(schema).value();
  }

  std::optional<pg::Connection> conn_;
  Schema schema_;
};

TEST_F(ReadSchemaTest, ListsTablesOfTheSchemaByName) {
  EXPECT_EQ(schema_.name, "app");
  std::vector<std::string> names;
  for (const Table& table : schema_.tables) {
    names.push_back(table.name);
    EXPECT_EQ(table.name, table.physical_name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"events", "memberships", "users"}));
  EXPECT_TRUE(schema_.FindTable("events")->partitioned);
  EXPECT_FALSE(schema_.FindTable("users")->partitioned);
  EXPECT_EQ(schema_.FindTable("events")->primary_key, (std::vector<std::string>{"id", "at"}));
}

TEST_F(ReadSchemaTest, ReadsColumns) {
  const Table& users = *schema_.FindTable("users");
  std::vector<std::string> names;
  for (const Column& column : users.columns) names.push_back(column.physical_name);
  EXPECT_EQ(names, (std::vector<std::string>{"id", "email", "name", "age", "born", "name_len"}));
  const Column& id = *users.FindColumn("id");
  EXPECT_EQ(id.type, "bigint");
  EXPECT_FALSE(id.nullable);
  EXPECT_EQ(id.identity, "a");
  EXPECT_FALSE(id.default_expr.has_value());
  const Column& email = *users.FindColumn("email");
  EXPECT_EQ(email.type, "character varying(100)");
  EXPECT_EQ(email.comment, "login");
  EXPECT_EQ(users.FindColumn("name")->default_expr, "'anon'::text");
  EXPECT_TRUE(users.FindColumn("name")->nullable);
  EXPECT_EQ(users.FindColumn("born")->type, "timestamp with time zone");
  const Column& name_len = *users.FindColumn("name_len");
  EXPECT_TRUE(name_len.generated);
  EXPECT_EQ(name_len.default_expr, "length(name)");
  EXPECT_EQ(users.comment, "people");
  EXPECT_EQ(schema_.FindTable("memberships")->FindColumn("seq")->identity, "d");
}

TEST_F(ReadSchemaTest, ReadsConstraints) {
  const Table& users = *schema_.FindTable("users");
  EXPECT_EQ(users.primary_key, (std::vector<std::string>{"id"}));
  ASSERT_TRUE(users.HasConstraint("users_email_key"));
  ASSERT_TRUE(users.HasConstraint("users_age_check"));
  for (const Constraint& c : users.constraints) {
    if (c.name == "users_email_key") {
      EXPECT_EQ(c.type, 'u');
      EXPECT_EQ(c.columns, (std::vector<std::string>{"email"}));
      EXPECT_EQ(c.definition, "UNIQUE (email)");
    }
    if (c.name == "users_age_check") {
      EXPECT_EQ(c.definition, "CHECK ((age >= 0))");
    }
  }
  const Table& memberships = *schema_.FindTable("memberships");
  EXPECT_EQ(memberships.primary_key, (std::vector<std::string>{"user_id", "group_id"}));
  bool saw_fk = false, saw_not_valid = false;
  for (const Constraint& c : memberships.constraints) {
    if (c.type == 'f') {
      saw_fk = true;
      EXPECT_EQ(c.columns, (std::vector<std::string>{"user_id"}));
      EXPECT_EQ(c.definition, "FOREIGN KEY (user_id) REFERENCES app.users(id)");
    }
    if (c.name == "seq_positive") {
      saw_not_valid = true;
      EXPECT_FALSE(c.validated);
    }
  }
  EXPECT_TRUE(saw_fk);
  EXPECT_TRUE(saw_not_valid);
}

TEST_F(ReadSchemaTest, ReadsIndexes) {
  const Index* pkey = schema_.FindIndex("users_pkey");
  ASSERT_NE(pkey, nullptr);
  EXPECT_TRUE(pkey->primary);
  EXPECT_TRUE(pkey->unique);
  EXPECT_TRUE(pkey->valid);
  const Index* expr = schema_.FindIndex("users_lower_email");
  ASSERT_NE(expr, nullptr);
  EXPECT_TRUE(expr->columns.empty());
  EXPECT_FALSE(expr->unique);
  EXPECT_EQ(expr->definition,
            "CREATE INDEX users_lower_email ON app.users USING btree (lower((email)::text))");
  const Index* plain = schema_.FindIndex("users_name_age");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->columns, (std::vector<std::string>{"name", "age"}));
  EXPECT_NE(schema_.FindIndex("events_pkey"), nullptr);
}

TEST_F(ReadSchemaTest, JsonRoundTripOfARealSchema) {
  Result<Schema> back = SchemaFromJson(ToJson(schema_));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(*back == schema_);
}

// Behind the seam, a PostgreSQL session reads with the pg::Connection reader.
TEST_F(ReadSchemaTest, TheSessionOverloadReadsTheSame) {
  backend::PostgresSession session(*conn_);
  Result<Schema> schema = ReadSchema(session, "app");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  EXPECT_TRUE(*schema == schema_);
  EXPECT_EQ(ToJson(*schema), ToJson(schema_));
  Result<Schema> unknown = ReadSchema(session, "no_such_schema");
  ASSERT_TRUE(unknown.ok()) << unknown.status().ToString();
  EXPECT_TRUE(unknown->tables.empty());
}

TEST_F(ReadSchemaTest, UnknownSchemaIsEmpty) {
  Result<Schema> schema = ReadSchema(*conn_, "no_such_schema");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  EXPECT_TRUE(schema->tables.empty());
}

}  // namespace
}  // namespace zs::schema
