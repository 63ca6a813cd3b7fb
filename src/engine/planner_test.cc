// Golden test of the plan text for the seed's split-name migration. Set
// ZS_UPDATE_GOLDEN=1 to rewrite the golden file from the current output (then
// read the diff before keeping it).
#include "engine/planner.h"
#include "testing/seed_migration.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "migration/parser.h"
#include "testing/test_paths.h"

namespace zs::engine {
namespace {

constexpr const char* kSplitNameYaml = zs::testing::kSplitNameYaml;

// users(id bigint primary key, name text not null), as ReadSchema reads it.
schema::Schema UsersSchema() {
  schema::Table users{.name = "users", .physical_name = "users"};
  users.columns.push_back(
      {.name = "id", .physical_name = "id", .type = "bigint", .nullable = false});
  users.columns.push_back(
      {.name = "name", .physical_name = "name", .type = "text", .nullable = false});
  users.primary_key = {"id"};
  users.constraints.push_back(
      {.name = "users_pkey", .type = 'p', .columns = {"id"}, .definition = "PRIMARY KEY (id)"});
  users.indexes.push_back({.name = "users_pkey",
                           .columns = {"id"},
                           .unique = true,
                           .primary = true,
                           .definition = "CREATE UNIQUE INDEX users_pkey ON public.users USING "
                                         "btree (id)"});
  return {.name = "public", .tables = {users}};
}

std::string GoldenPath(const std::string& name) {
  return std::string(zs::testing::SourceDir()) + "/src/engine/testdata/" + name;
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  std::string path = GoldenPath(name);
  const char* update = std::getenv("ZS_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << path;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path << "; run with ZS_UPDATE_GOLDEN=1";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(expected.str(), actual)
      << "plan differs from " << path << "; if the change is intended, run with ZS_UPDATE_GOLDEN=1";
}

TEST(PlannerGolden, SplitName) {
  auto migration = migration::ParseMigration(kSplitNameYaml, "split_name.yaml");
  ASSERT_TRUE(migration.ok()) << migration.status().ToString();
  ASSERT_EQ(migration->name, "split_name");
  auto operations = MakeOperations(*migration);
  ASSERT_TRUE(operations.ok()) << operations.status().ToString();
  PlanInput input{.migration = &*migration,
                  .version_schema = "public_split_name",
                  .previous_version_schema = "",
                  .server_version_num = 150000};
  auto plan = BuildPlan(input, *operations, UsersSchema());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ExpectGolden("split_name.plan", FormatPlan(*plan));
}

}  // namespace
}  // namespace zs::engine
