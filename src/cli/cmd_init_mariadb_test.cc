// `zeroshift init` and `latest` on a real MariaDB, through the binary: init
// records a baseline version database of the tables as they are, old clients
// keep it through the first migration, whose complete drops it; `latest`
// (from the database and from a directory of files) names MariaDB's version
// databases.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/mariadb_engine_test_util.h"

namespace zs::cli {
namespace {

using engine::mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

TEST(BaselineMariadbCli, InitRecordsABaselineVersionOldClientsKeepUntilTheFirstComplete) {
  MariadbSplit split;
  std::string baseline = versions::MariadbVersionDatabaseName(split.database(), "baseline", "");
  ProcessRun init = split.Zeroshift({"init"}, "", /*quiet=*/false);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_NE(init.err.find("created baseline version `" + baseline + "`"), std::string::npos)
      << init.err;
  EXPECT_EQ(split.VersionDatabases(), (std::vector<std::string>{baseline}));
  EXPECT_EQ(split.Query("SELECT CONCAT(id, ':', name) FROM `" + baseline + "`.users ORDER BY id"),
            split.Query("SELECT CONCAT(id, ':', name) FROM users ORDER BY id"));
  // Again: nothing new, and it says what clients use.
  ProcessRun again = split.Zeroshift({"init"}, "", /*quiet=*/false);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("clients use version database `" + baseline + "`"), std::string::npos)
      << again.err;

  ASSERT_EQ(split.Zeroshift({"start", split.file()}).exit_code, 0);
  ProcessRun status = split.Zeroshift({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json json = nlohmann::json::parse(status.out);
  EXPECT_EQ(json["old_clients_sql"],
            "USE `" + baseline + "`; SET @zeroshift_version = '" + baseline + "'")
      << status.out;
  // The baseline keeps the old shape while the table has the new columns too.
  EXPECT_EQ(
      split.Query("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '" +
                  baseline + "' AND TABLE_NAME = 'users' ORDER BY ORDINAL_POSITION"),
      (std::vector<std::string>{"id", "name"}));
  ASSERT_EQ(split.Zeroshift({"complete"}).exit_code, 0);
  EXPECT_EQ(split.VersionDatabases(), (std::vector<std::string>{split.version()}));
}

TEST(BaselineMariadbCli, NoBaselineVersionLeavesTheTablesToOldClients) {
  MariadbSplit split;
  ASSERT_EQ(split.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  EXPECT_TRUE(split.VersionDatabases().empty());
}

TEST(LatestMariadb, FromTheDatabaseAndFromLocalFilesNameTheVersionDatabase) {
  MariadbSplit split;
  ASSERT_EQ(split.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  ProcessRun none = split.Zeroshift({"latest"});
  EXPECT_EQ(none.exit_code, 1) << none.out;
  EXPECT_NE(none.err.find("no migration has been started in schema " + split.database()),
            std::string::npos)
      << none.err;
  ASSERT_EQ(split.Zeroshift({"start", split.file()}).exit_code, 0);
  ProcessRun latest = split.Zeroshift({"latest"});
  ASSERT_EQ(latest.exit_code, 0) << latest.err;
  EXPECT_EQ(latest.out, split.version() + "\n");
  ProcessRun name = split.Zeroshift({"latest", "migration"});
  ASSERT_EQ(name.exit_code, 0) << name.err;
  EXPECT_EQ(name.out, "02_split_name\n");

  // --local reads the files only; the URL says how MariaDB names the version.
  std::string dir = std::filesystem::path(split.file()).parent_path().string();
  ProcessRun local = split.Zeroshift({"latest", "--local", dir});
  ASSERT_EQ(local.exit_code, 0) << local.err;
  EXPECT_EQ(local.out, split.version() + "\n");
  ProcessRun local_name = split.Zeroshift({"latest", "migration", "--local", dir});
  ASSERT_EQ(local_name.exit_code, 0) << local_name.err;
  EXPECT_EQ(local_name.out, "02_split_name\n");
  // --schema may only repeat the URL's database, with --local too.
  ProcessRun other = split.Zeroshift({"latest", "--local", dir, "--schema", "elsewhere"});
  EXPECT_EQ(other.exit_code, 1) << other.out;
  EXPECT_NE(other.err.find("differs from the URL's database"), std::string::npos) << other.err;
}

// A name past MariaDB's 64 characters is hashed the same way by --local as
// by start.
TEST(LatestMariadb, LocalNamesALongVersionAsStartDoes) {
  MariadbSplit split;
  std::string long_name(60, 'x');
  std::string file = split.WriteFile(long_name + ".yaml", R"yaml(operations:
  - add_column:
      table: users
      column: {name: email, type: text, nullable: true}
)yaml");
  std::filesystem::remove(split.file());
  std::string dir = std::filesystem::path(file).parent_path().string();
  ProcessRun local = split.Zeroshift({"latest", "--local", dir});
  ASSERT_EQ(local.exit_code, 0) << local.err;
  ASSERT_EQ(split.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  ASSERT_EQ(split.Zeroshift({"start", file}).exit_code, 0);
  ProcessRun latest = split.Zeroshift({"latest"});
  ASSERT_EQ(latest.exit_code, 0) << latest.err;
  EXPECT_EQ(local.out, latest.out);
  EXPECT_LE(local.out.size(), 65u) << local.out;
}

}  // namespace
}  // namespace zs::cli
