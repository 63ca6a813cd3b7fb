// history::Diff and history::ReferenceSchema: pure, with schemas built in code.
#include "history/drift.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace zs::history {
namespace {

schema::Column Col(const std::string& name, const std::string& type, bool nullable = true) {
  return {.name = name, .physical_name = name, .type = type, .nullable = nullable};
}

schema::Schema Shop() {
  schema::Table users{.name = "users", .physical_name = "users"};
  users.columns = {Col("id", "bigint", false), Col("name", "text"), Col("email", "text")};
  users.columns[0].identity = "a";
  users.columns[2].default_expr = "''::text";
  users.primary_key = {"id"};
  users.constraints = {
      {.name = "users_pkey", .type = 'p', .columns = {"id"}, .definition = "PRIMARY KEY (id)"},
      {.name = "users_name_check",
       .type = 'c',
       .columns = {"name"},
       .definition = "CHECK ((length(name) > 0))"}};
  users.indexes = {
      {.name = "users_pkey",
       .columns = {"id"},
       .unique = true,
       .primary = true,
       .definition = "CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)"}};
  schema::Table orders{.name = "orders", .physical_name = "orders"};
  orders.columns = {Col("id", "integer", false), Col("total", "numeric(10,2)")};
  orders.comment = "every order";
  return {.name = "public", .tables = {orders, users}};
}

std::vector<std::string> Lines(const std::vector<Difference>& differences) {
  std::vector<std::string> lines;
  for (const auto& d : differences) lines.push_back(ToString(d));
  return lines;
}

TEST(HistoryDrift, IdenticalSchemasHaveNoDrift) { EXPECT_TRUE(Diff(Shop(), Shop()).empty()); }

TEST(HistoryDrift, EveryColumnAttribute) {
  schema::Schema live = Shop();
  schema::Table& users = *live.FindTable("users");
  users.FindColumn("name")->type = "character varying(50)";
  users.FindColumn("name")->nullable = false;
  users.FindColumn("email")->default_expr.reset();
  users.FindColumn("id")->identity = "d";
  users.FindColumn("email")->comment = "contact";
  EXPECT_EQ(Lines(Diff(Shop(), live)),
            (std::vector<std::string>{
                "column users.id: identity changed: recorded ALWAYS, live BY DEFAULT",
                "column users.name: type changed: recorded text, live character varying(50)",
                "column users.name: nullable changed: recorded NULL, live NOT NULL",
                "column users.email: default changed: recorded ''::text, live (none)",
                "column users.email: comment changed: recorded (none), live contact",
            }));
}

TEST(HistoryDrift, GeneratedColumn) {
  schema::Schema expected = Shop(), live = Shop();
  auto* total = live.FindTable("orders")->FindColumn("total");
  total->generated = true;
  total->default_expr = "(id * 2)";
  auto d = Diff(expected, live);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].field, "generated");
  EXPECT_EQ(ToString(d[0]),
            "column orders.total: generated changed: recorded (none), live AS ((id * 2))");
}

TEST(HistoryDrift, AddedAndMissingObjects) {
  schema::Schema live = Shop();
  schema::Table& users = *live.FindTable("users");
  users.columns.push_back(Col("nickname", "text", false));
  std::erase_if(users.columns, [](const schema::Column& c) { return c.name == "email"; });
  users.constraints.pop_back();  // users_name_check
  users.indexes.push_back({.name = "users_name_idx",
                           .columns = {"name"},
                           .definition = "CREATE INDEX users_name_idx ON public.users USING btree "
                                         "(name)"});
  live.RemoveTable("orders");
  live.tables.push_back(
      {.name = "audit", .physical_name = "audit", .columns = {Col("at", "date")}});
  EXPECT_EQ(Lines(Diff(Shop(), live)),
            (std::vector<std::string>{
                "table orders: missing from the live schema (recorded: 2 columns)",
                "column users.email: missing from the live schema (recorded: text DEFAULT "
                "''::text)",
                "column users.nickname: added outside the migrations (live: text NOT NULL)",
                "constraint users.users_name_check: missing from the live schema (recorded: "
                "CHECK ((length(name) > 0)))",
                "index users.users_name_idx: added outside the migrations (live: CREATE INDEX "
                "users_name_idx ON public.users USING btree (name))",
                "table audit: added outside the migrations (live: 1 column)",
            }));
}

TEST(HistoryDrift, ConstraintsIndexesAndTableAttributes) {
  schema::Schema live = Shop();
  schema::Table& users = *live.FindTable("users");
  users.constraints[1].definition = "CHECK ((length(name) > 1))";
  users.constraints[1].validated = false;
  users.indexes[0].valid = false;
  schema::Table& orders = *live.FindTable("orders");
  orders.comment.reset();
  orders.partitioned = true;
  EXPECT_EQ(Lines(Diff(Shop(), live)),
            (std::vector<std::string>{
                "table orders: comment changed: recorded every order, live (none)",
                "table orders: partitioned changed: recorded no, live yes",
                "constraint users.users_name_check: definition changed: recorded CHECK "
                "((length(name) > 0)), live CHECK ((length(name) > 1))",
                "constraint users.users_name_check: validated changed: recorded valid, live NOT "
                "VALID",
                "index users.users_pkey: valid changed: recorded valid, live INVALID",
            }));
}

TEST(HistoryDrift, JsonNamesEachSide) {
  schema::Schema live = Shop();
  live.FindTable("users")->FindColumn("name")->type = "varchar";
  auto d = Diff(Shop(), live);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(ToJson(d[0]), nlohmann::json::parse(R"({"kind":"column","table":"users",
      "name":"name","change":"changed","field":"type","recorded":"text","live":"varchar"})"));
}

state::MigrationRecord Record(const std::string& name, bool done) {
  return {.schema = "public",
          .name = name,
          .done = done,
          .step = done ? state::Step::kDone : state::Step::kActive};
}

TEST(HistoryDrift, ReferenceIsTheLatestRecordedCatalog) {
  schema::Schema other = Shop();
  other.RemoveTable("orders");
  auto a = Record("01_a", true), b = Record("02_b", false);
  a.live_schema = Shop();
  b.live_schema = other;
  auto ref = ReferenceSchema({a, b});
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(ref->migration, "02_b");
  EXPECT_EQ(ref->schema.tables.size(), 1u);
  EXPECT_NE(ref->source.find("active"), std::string::npos);
}

TEST(HistoryDrift, ReferenceFallsBackToTheResultingSchema) {
  auto a = Record("01_a", true);
  a.resulting_schema = Shop();
  auto ref = ReferenceSchema({a});
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(ref->schema.tables.size(), 2u);
  EXPECT_NE(ref->source.find("older zeroshift"), std::string::npos);
}

TEST(HistoryDrift, NoReference) {
  EXPECT_EQ(ReferenceSchema({}).status().code(), Code::kNotFound);
  auto starting = Record("01_a", false);
  starting.step = state::Step::kStarting;
  auto ref = ReferenceSchema({starting});
  EXPECT_EQ(ref.status().code(), Code::kNotFound);
  EXPECT_NE(ref.status().message().find("step starting"), std::string::npos);
}

}  // namespace
}  // namespace zs::history
