#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/update.h"
#include "migration/parser.h"
#include "testing/seed_migration.h"

namespace zs::cli {
namespace {

namespace fs = std::filesystem;

class UpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("zs_update_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
    return (dir_ / name).string();
  }
  std::string Read(const std::string& name) {
    std::ifstream in(dir_ / name, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // The file in today's form: it reads without any older form.
  void ExpectCurrent(const std::string& name) {
    std::vector<migration::OlderForm> older;
    Result<migration::Migration> m = migration::ParseMigration(Read(name), name, &older);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_TRUE(older.empty()) << name << ": " << Read(name);
  }

  fs::path dir_;
};

constexpr const char* kOldYaml =
    "# index the names\n"
    "operations:\n"
    "  - create_index:\n"
    "      name: idx_users_name\n"
    "      table: users\n"
    "      columns: [first_name, last_name]\n";

constexpr const char* kOldJson =
    R"({"operations": [{"create_index": {"name": "idx_email", "table": "users",)"
    R"( "columns": {"email": {"sort": "DESC"}}}}]})"
    "\n";

TEST_F(UpdateTest, RewritesOlderFilesKeepsFormatAndLeavesCurrentOnes) {
  Write("01_old.yaml", kOldYaml);
  Write("02_old.json", kOldJson);
  Write("03_current.yaml", zs::testing::kSplitNameYaml);
  Result<UpdateReport> report = UpdateMigrationDir(dir_.string(), /*dry_run=*/false);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->files, 3u);
  ASSERT_EQ(report->updated.size(), 2u);
  EXPECT_EQ(report->updated[0].path, (dir_ / "01_old.yaml").string());
  EXPECT_EQ(report->updated[1].path, (dir_ / "02_old.json").string());

  EXPECT_EQ(Read("01_old.yaml"),
            "# index the names\n"
            "operations:\n"
            "  - create_index:\n"
            "      name: idx_users_name\n"
            "      table: users\n"
            "      columns:\n"
            "        - column: first_name\n"
            "        - column: last_name\n");
  ExpectCurrent("01_old.yaml");
  EXPECT_EQ(Read("02_old.json").front(), '{');
  EXPECT_NE(Read("02_old.json").find("\"column\": \"email\""), std::string::npos);
  EXPECT_EQ(Read("02_old.json").find("\"name\": \"02_old\""), std::string::npos)
      << "a name the file did not set is not added";
  ExpectCurrent("02_old.json");
  EXPECT_EQ(Read("03_current.yaml"), zs::testing::kSplitNameYaml);

  // Once updated, there is nothing left to do.
  Result<UpdateReport> again = UpdateMigrationDir(dir_.string(), /*dry_run=*/false);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->updated.empty());
}

TEST_F(UpdateTest, DryRunWritesNothing) {
  Write("01_old.yaml", kOldYaml);
  Result<UpdateReport> report = UpdateMigrationDir(dir_.string(), /*dry_run=*/true);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->updated.size(), 1u);
  EXPECT_EQ(Read("01_old.yaml"), kOldYaml);
}

TEST_F(UpdateTest, AFileThatDoesNotParseIsAnErrorNamingIt) {
  Write("01_bad.yaml", "operations:\n  - create_index: {name: i, table: t, columns: 3}\n");
  Result<UpdateReport> report = UpdateMigrationDir(dir_.string(), /*dry_run=*/false);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("01_bad.yaml:2:"), std::string::npos)
      << report.status().message();
}

}  // namespace
}  // namespace zs::cli
