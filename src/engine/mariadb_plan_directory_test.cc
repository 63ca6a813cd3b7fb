// `zeroshift plan examples/mariadb` (the directory) on MariaDB: its pending
// migrations are planned together, in order, as on PostgreSQL
// (cli/cmd_plan.cc). On a fresh database 01 creates `users`, so 04's type
// change of a column of that table is made in place at start (one MODIFY of
// an empty table no version reads yet), as PostgreSQL does, instead of being
// refused; `migrate --single-version` then runs that plan.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "engine/mariadb_audit_test_util.h"
#include "testing/test_paths.h"

namespace zs::engine {
namespace {

using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

using Rows = std::vector<std::string>;

std::string PlanDirectoryExamples() {
  return std::string(zs::testing::SourceDir()) + "/examples/mariadb";
}

TEST(MariadbPlanDirectory, TheExamplesArePlannedTogetherOnAFreshDatabase) {
  MariadbSplit db;
  db.Run("DROP TABLE users");  // 01 creates it
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  ProcessRun plan = db.Zeroshift({"plan", PlanDirectoryExamples()});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("5 pending migrations"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("alter_column:users.visits:in_place"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("MODIFY COLUMN `visits` bigint NOT NULL DEFAULT (0)"), std::string::npos)
      << plan.out;

  ProcessRun migrate = db.Zeroshift({"migrate", "--single-version", PlanDirectoryExamples()});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  ProcessRun complete = db.Zeroshift({"complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  EXPECT_EQ(mariadb_audit::ColumnsOf(db, db.database(), "users"),
            (Rows{"id bigint(20) NOT NULL", "first_name varchar(200)", "last_name varchar(200)",
                  "visits bigint(20) NOT NULL"}));
}

// 01 and 02 done: 03 adds `visits` and 04 changes it, planned together.
TEST(MariadbPlanDirectory, ALaterMigrationChangesAColumnAnEarlierPendingOneAdds) {
  MariadbSplit db;
  db.Run("DROP TABLE users");
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  std::filesystem::path first = std::filesystem::path(db.file()).parent_path() / "first";
  std::filesystem::create_directories(first);
  for (const char* name : {"01_create_users.yaml", "02_split_name.yaml"}) {
    std::filesystem::copy_file(std::filesystem::path(PlanDirectoryExamples()) / name, first / name);
  }
  ProcessRun migrate = db.Zeroshift({"migrate", first.string()});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  ProcessRun complete = db.Zeroshift({"complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;

  ProcessRun plan = db.Zeroshift({"plan", PlanDirectoryExamples()});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("3 pending migrations"), std::string::npos) << plan.out;
}

}  // namespace
}  // namespace zs::engine
