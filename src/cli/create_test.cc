#include "cli/create.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "migration/parser.h"
#include "testing/test_support.h"

namespace zs::cli {
namespace {

namespace fs = std::filesystem;

class CreateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() / fmt::format("zs_create_{}_{}", getpid(), counter++);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Touch(const std::string& name) { std::ofstream(dir_ / name) << "operations: []\n"; }

  fs::path dir_;
};

TEST_F(CreateTest, NumbersAfterTheLastMigration) {
  EXPECT_EQ(*NextMigrationFileName(dir_.string(), "init"), "01_init.yaml");
  Touch("01_create_users.yaml");
  Touch("02_split_name.json");
  Touch("notes.txt");  // not a migration file: does not count
  EXPECT_EQ(*NextMigrationFileName(dir_.string(), "add_email"), "03_add_email.yaml");
  Touch("0009_wide.yml");
  EXPECT_EQ(*NextMigrationFileName(dir_.string(), "next"), "0010_next.yaml");
}

TEST_F(CreateTest, KeepsANumberTheNameAlreadyHas) {
  Touch("01_a.yaml");
  EXPECT_EQ(*NextMigrationFileName(dir_.string(), "05_given"), "05_given.yaml");
}

TEST_F(CreateTest, WritesASkeletonTheParserAccepts) {
  Touch("01_create_users.yaml");
  Result<std::string> path = CreateMigration(dir_.string(), "add_email");
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(fs::path(*path).filename(), "02_add_email.yaml");
  Result<migration::Migration> parsed = migration::LoadMigrationFile(*path);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->name, "02_add_email");
  EXPECT_TRUE(parsed->operations.empty());
}

TEST_F(CreateTest, AppendsToTheLedger) {
  std::ofstream(dir_ / ".ledger") << "";
  ASSERT_TRUE(CreateMigration(dir_.string(), "first").ok());
  EXPECT_EQ(testing::ReadFile(dir_ / ".ledger"), "01_first.yaml\n");
}

TEST_F(CreateTest, RefusesAnExistingFileOrName) {
  Touch("03_given.yaml");
  std::string before = testing::ReadFile(dir_ / "03_given.yaml");
  Result<std::string> same_file = CreateMigration(dir_.string(), "03_given");
  ASSERT_FALSE(same_file.ok());
  EXPECT_NE(same_file.status().message().find("03_given.yaml already"), std::string::npos)
      << same_file.status().message();
  EXPECT_EQ(testing::ReadFile(dir_ / "03_given.yaml"), before);  // untouched
  Result<std::string> same_name = CreateMigration(dir_.string(), "given");
  ASSERT_FALSE(same_name.ok());
  EXPECT_NE(same_name.status().message().find("choose another NAME"), std::string::npos)
      << same_name.status().message();
}

TEST_F(CreateTest, RefusesAnInvalidNameOrAMissingDirectory) {
  for (const std::string& bad :
       std::vector<std::string>{"a/b", "", "..", "x y", std::string(70, 'a')}) {
    Result<std::string> path = CreateMigration(dir_.string(), bad);
    EXPECT_FALSE(path.ok()) << bad;
  }
  EXPECT_TRUE(fs::is_empty(dir_));
  Result<std::string> missing = CreateMigration((dir_ / "nope").string(), "x");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("does not exist; create it"), std::string::npos)
      << missing.status().message();
}

}  // namespace
}  // namespace zs::cli
