// The operations check user SQL through OpContext::checker (the backend's
// sqlcheck::ExpressionChecker), filled from engine::PlanInput::checker.
// OpChecker: every kind of user SQL reaches the context's checker (a
// recording one in front of PostgreSQL's), and without one the plan checks
// as PostgreSQL did. OpCheckerMariadb: the seed's split planned against a
// real MariaDB catalog with MariaDB's checker accepts MariaDB's functions,
// refuses PostgreSQL's naming the place, the table and the column, and holds
// names to MariaDB's 64 characters.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend/mariadb_backend.h"
#include "engine/planner.h"
#include "migration/parser.h"
#include "mysql/connection.h"
#include "schema/schema.h"
#include "sqlcheck/checker.h"
#include "sqlcheck/postgres_check.h"
#include "testing/mariadb_sql.h"
#include "testing/shared_mariadb.h"
#include "versions/mariadb_version_schema.h"

namespace zs::ops {
namespace {

// `text` contains `part`; a failure shows both.
::testing::AssertionResult OpCheckerHas(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << part << "\" not in: " << text;
}

// PostgreSQL's checker, recording each call as "<kind> <text>".
class RecordingChecker final : public sqlcheck::ExpressionChecker {
 public:
  Result<sqlcheck::CheckedExpression> CheckExpression(const sqlcheck::VisibleTable& table,
                                                      const std::string& expression,
                                                      const std::string& what,
                                                      sqlcheck::UnknownColumns unknown) override {
    calls.push_back("expression " + expression);
    return postgres_.CheckExpression(table, expression, what, unknown);
  }
  Status CheckType(const std::string& type, const std::string& what) override {
    calls.push_back("type " + type);
    return postgres_.CheckType(type, what);
  }
  Status CheckIdentifier(const std::string& name, const std::string& what) override {
    calls.push_back("identifier " + name);
    return postgres_.CheckIdentifier(name, what);
  }
  Result<std::vector<sqlcheck::Statement>> CheckStatements(const std::string& sql,
                                                           const std::string& what) override {
    calls.push_back("statements " + sql);
    return postgres_.CheckStatements(sql, what);
  }

  bool Saw(const std::string& call) const {
    return std::find(calls.begin(), calls.end(), call) != calls.end();
  }

  std::vector<std::string> calls;

 private:
  sqlcheck::PostgresExpressionChecker postgres_;
};

// users(id bigint primary key, name text not null), as ReadSchema reads it.
schema::Schema OpCheckerUsers() {
  schema::Table users{.name = "users", .physical_name = "users"};
  users.columns.push_back(
      {.name = "id", .physical_name = "id", .type = "bigint", .nullable = false});
  users.columns.push_back(
      {.name = "name", .physical_name = "name", .type = "text", .nullable = false});
  users.primary_key = {"id"};
  users.constraints.push_back(
      {.name = "users_pkey", .type = 'p', .columns = {"id"}, .definition = "PRIMARY KEY (id)"});
  return {.name = "public", .tables = {users}};
}

// Every kind of user SQL an operation checks: a new table's names, types,
// default and checks; a new column's `up`; a type change and a default; an
// index predicate; a `sql` operation (last: what follows it is not checked).
constexpr const char* kEverySiteYaml = R"yaml(operations:
  - create_table:
      name: items
      columns:
        - {name: id, type: bigint, pk: true}
        - name: price
          type: numeric(10,2)
          default: "0"
          check: {name: price_positive, constraint: price >= 0}
      constraints:
        - {name: price_small, type: check, check: price < 1000}
  - add_column:
      table: users
      up: upper(name)
      column: {name: shout, type: text, nullable: true}
  - alter_column:
      table: users
      column: name
      type: varchar(200)
      default: "'nobody'"
      up: CAST(name AS varchar(200))
      down: name
  - create_index:
      name: users_id_positive
      table: users
      columns: [{column: id}]
      predicate: id > 0
  - sql:
      up: SELECT 1
)yaml";

Result<engine::Plan> PlanWith(const std::string& yaml, sqlcheck::ExpressionChecker* checker,
                              migration::Migration& migration, engine::Operations& operations) {
  ZS_ASSIGN_OR_RETURN(migration, migration::ParseMigration(yaml, "every_site.yaml"));
  ZS_ASSIGN_OR_RETURN(operations, engine::MakeOperations(migration));
  engine::PlanInput input{
      .migration = &migration, .version_schema = "public_every_site", .checker = checker};
  return engine::BuildPlan(input, operations, OpCheckerUsers());
}

TEST(OpChecker, EveryKindOfUserSqlGoesThroughTheContextsChecker) {
  RecordingChecker checker;
  migration::Migration migration;
  engine::Operations operations;
  auto plan = PlanWith(kEverySiteYaml, &checker, migration, operations);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  for (const char* call : {"identifier items",
                           "identifier id",
                           "type bigint",
                           "identifier price",
                           "type numeric(10,2)",
                           "expression 0",
                           "identifier price_positive",
                           "expression price >= 0",
                           "identifier price_small",
                           "expression price < 1000",
                           "identifier shout",
                           "type text",
                           "expression upper(name)",
                           "type varchar(200)",
                           "expression 'nobody'",
                           "expression CAST(name AS varchar(200))",
                           "expression name",
                           "identifier users_id_positive",
                           "expression id > 0",
                           "statements SELECT 1"}) {
    EXPECT_TRUE(checker.Saw(call)) << "never checked through OpContext::checker: " << call;
  }
}

TEST(OpChecker, WithoutACheckerThePlanIsPostgresqlsAsBefore) {
  RecordingChecker checker;
  migration::Migration with_migration, without_migration;
  engine::Operations with_ops, without_ops;
  auto with = PlanWith(kEverySiteYaml, &checker, with_migration, with_ops);
  auto without = PlanWith(kEverySiteYaml, nullptr, without_migration, without_ops);
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  ASSERT_TRUE(without.ok()) << without.status().ToString();
  EXPECT_EQ(engine::FormatPlan(*with), engine::FormatPlan(*without));
}

TEST(OpChecker, ARefusalOfTheContextsCheckerStopsThePlan) {
  // The checker, not a free function, decides: one that refuses every type
  // refuses a plan PostgreSQL's parser accepts.
  class RefusingTypes final : public sqlcheck::ExpressionChecker {
   public:
    Result<sqlcheck::CheckedExpression> CheckExpression(const sqlcheck::VisibleTable& table,
                                                        const std::string& e,
                                                        const std::string& what,
                                                        sqlcheck::UnknownColumns u) override {
      return postgres_.CheckExpression(table, e, what, u);
    }
    Status CheckType(const std::string& type, const std::string& what) override {
      return InvalidInput(what + ": no type " + type + " here");
    }
    Status CheckIdentifier(const std::string& name, const std::string& what) override {
      return postgres_.CheckIdentifier(name, what);
    }
    Result<std::vector<sqlcheck::Statement>> CheckStatements(const std::string& sql,
                                                             const std::string& what) override {
      return postgres_.CheckStatements(sql, what);
    }

   private:
    sqlcheck::PostgresExpressionChecker postgres_;
  } refusing;
  migration::Migration migration;
  engine::Operations operations;
  auto plan = PlanWith(kEverySiteYaml, &refusing, migration, operations);
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(OpCheckerHas(std::string(plan.status().message()), "no type bigint here"));
}

const std::string kName64(64, 'c');

std::string AddColumnNamed(const std::string& column) {
  return "operations:\n  - add_column:\n      table: users\n      column: {name: " + column +
         ", type: text, nullable: true}\n";
}

TEST(OpChecker, PostgresqlRefusesA64CharacterColumnName) {
  migration::Migration migration;
  engine::Operations operations;
  auto plan = PlanWith(AddColumnNamed(kName64), nullptr, migration, operations);
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(OpCheckerHas(std::string(plan.status().message()), kName64));
  EXPECT_TRUE(OpCheckerHas(std::string(plan.status().message()), "63"));
}

// The planner holds the version's name to the backend's limit: a MariaDB
// version database of 64 characters is planned; PostgreSQL refuses a schema
// of 64 bytes.
TEST(OpChecker, VersionNameLimitIsTheBackends) {
  auto migration = migration::ParseMigration(AddColumnNamed("nick"), "nick.yaml");
  ASSERT_TRUE(migration.ok()) << migration.status().ToString();
  auto operations = engine::MakeOperations(*migration);
  ASSERT_TRUE(operations.ok()) << operations.status().ToString();
  const std::string version(64, 'v');
  engine::PlanInput mariadb{
      .migration = &*migration, .version_schema = version, .backend = &backend::Mariadb()};
  auto planned = engine::BuildPlan(mariadb, *operations, OpCheckerUsers());
  EXPECT_TRUE(planned.ok()) << planned.status().ToString();
  engine::PlanInput postgres{.migration = &*migration, .version_schema = version};
  auto refused = engine::BuildPlan(postgres, *operations, OpCheckerUsers());
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(OpCheckerHas(std::string(refused.status().message()),
                           "nick.yaml: the version schema \"" + version + "\" would be 64 bytes"));
}

// The seed's split (testing/seed_migration.h) with `first`'s up as given.
std::string SplitNameYaml(const std::string& first) {
  return "operations:\n"
         "  - add_column:\n"
         "      table: users\n"
         "      up: " +
         first +
         "\n"
         "      column: {name: first_name, type: text, nullable: true}\n"
         "  - add_column:\n"
         "      table: users\n"
         "      up: SUBSTRING_INDEX(name, ' ', -1)\n"
         "      column: {name: last_name, type: text, nullable: true}\n"
         "  - drop_column:\n"
         "      table: users\n"
         "      column: name\n"
         "      down: CONCAT_WS(' ', first_name, last_name)\n";
}

class OpCheckerMariadb : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string url = zs::testing::FreshMariadbDatabaseUrl();
    conn_ = zs::testing::mariadb_sql::ConnectOrThrow(url);
    session_ = zs::testing::mariadb_sql::SessionOrThrow(url);
    checker_ = sqlcheck::ExpressionCheckerFor(*session_);
    auto database = conn_->Exec("SELECT DATABASE()");
    if (!database.ok()) throw std::runtime_error(database.status().ToString());
    database_ = database->Get(0, 0);
    Status created = conn_->Run("CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL)");
    if (!created.ok()) throw std::runtime_error(created.ToString());
  }

  // The plan of `yaml` from the catalog as it is now, with MariaDB's checker.
  Result<engine::Plan> Plan(const std::string& yaml) {
    ZS_ASSIGN_OR_RETURN(migration_, migration::ParseMigration(yaml, "split_name.yaml"));
    ZS_ASSIGN_OR_RETURN(operations_, engine::MakeOperations(migration_));
    ZS_ASSIGN_OR_RETURN(schema::Schema base, schema::ReadSchema(*session_, database_));
    engine::PlanInput input{
        .migration = &migration_,
        .version_schema = versions::MariadbVersionDatabaseName(database_, migration_.name, ""),
        .server_version_num = static_cast<int>(conn_->ServerVersion()),
        .backend = &backend::Mariadb(),
        .checker = checker_.get()};
    return engine::BuildPlan(input, operations_, std::move(base));
  }

  std::unique_ptr<mysql::Connection> conn_;
  std::unique_ptr<backend::Session> session_;
  std::unique_ptr<sqlcheck::ExpressionChecker> checker_;
  std::string database_;
  migration::Migration migration_;
  engine::Operations operations_;
};

TEST_F(OpCheckerMariadb, SplitAcceptsSubstringIndex) {
  auto plan = Plan(SplitNameYaml("SUBSTRING_INDEX(name, ' ', 1)"));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->trigger_specs.size(), 3u);
  // MariaDB's checker embeds without PostgreSQL's "\n)" (no line comments).
  EXPECT_EQ(plan->trigger_specs[0].expression, "(SUBSTRING_INDEX(name, ' ', 1))");
}

TEST_F(OpCheckerMariadb, SplitRefusesSplitPartNamingTheLineTableAndColumn) {
  auto plan = Plan(SplitNameYaml("split_part(name, ' ', 1)"));
  ASSERT_FALSE(plan.ok()) << "split_part was accepted on MariaDB";
  const std::string message(plan.status().message());
  EXPECT_TRUE(std::regex_search(
      message, std::regex("^split_name\\.yaml:[0-9]+:[0-9]+ add_column users\\.first_name up: ")))
      << message;
  EXPECT_TRUE(OpCheckerHas(std::string(message), "split_part"));
  EXPECT_TRUE(OpCheckerHas(std::string(message), "table \"users\""));
  EXPECT_TRUE(OpCheckerHas(std::string(message), "SUBSTRING_INDEX"));
  // The refusal is the context's checker's: without one, PostgreSQL's
  // parser (what ran before) knows split_part and plans it.
  checker_.reset();
  auto offline = Plan(SplitNameYaml("split_part(name, ' ', 1)"));
  EXPECT_TRUE(offline.ok()) << offline.status().ToString();
}

TEST_F(OpCheckerMariadb, AcceptsA64CharacterColumnName) {
  auto plan = Plan(AddColumnNamed(kName64));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  for (const auto& action : plan->expand) {
    Status status = conn_->Run(action.sql);
    ASSERT_TRUE(status.ok()) << action.id << ": " << status.ToString() << "\n" << action.sql;
  }
  auto columns = conn_->Exec(
      "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
      "TABLE_NAME = 'users' AND COLUMN_NAME = '" +
      kName64 + "'");
  ASSERT_TRUE(columns.ok()) << columns.status().ToString();
  EXPECT_EQ(columns->size(), 1);
}

TEST_F(OpCheckerMariadb, RefusesA65CharacterColumnName) {
  auto plan = Plan(AddColumnNamed(kName64 + "c"));
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(OpCheckerHas(std::string(plan.status().message()), "64"));
}

}  // namespace
}  // namespace zs::ops
