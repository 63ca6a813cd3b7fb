// LoadMigrationFile: reading migrations from disk (YAML and JSON, missing,
// empty, huge files) and the notice for older forms.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "migration/parser.h"
#include "migration/parser_test_util.h"

namespace zs::migration {
namespace {

namespace fs = std::filesystem;
using parser_test::ExpectSplitName;
using parser_test::kSplitNameJson;
using parser_test::kSplitNameYaml;

class LoadMigrationFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("zs_parser_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }

  fs::path dir_;
};

TEST_F(LoadMigrationFileTest, ReadsYamlAndJson) {
  Result<Migration> yaml = LoadMigrationFile(Write("02_split_name.yaml", kSplitNameYaml));
  ASSERT_TRUE(yaml.ok()) << yaml.status().ToString();
  EXPECT_EQ(yaml->name, "02_split_name");
  ExpectSplitName(*yaml);
  Result<Migration> json = LoadMigrationFile(Write("03_split.json", kSplitNameJson));
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(json->name, "03_split");
}

TEST_F(LoadMigrationFileTest, ErrorsNameThePath) {
  std::string path = Write("bad.yaml", "operations:\n  - drop_tabel: {name: t}\n");
  Result<Migration> m = LoadMigrationFile(path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message().rfind(path + ":2:5: unknown operation", 0), 0u)
      << m.status().message();
}

TEST_F(LoadMigrationFileTest, MissingFile) {
  std::string path = (dir_ / "missing.yaml").string();
  Result<Migration> m = LoadMigrationFile(path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), Code::kIo);
  EXPECT_NE(m.status().message().find(path), std::string::npos);
}

TEST_F(LoadMigrationFileTest, DirectoryIsNotAFile) {
  Result<Migration> m = LoadMigrationFile(dir_.string());
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("not a regular file"), std::string::npos);
}

TEST_F(LoadMigrationFileTest, EmptyFile) {
  Result<Migration> m = LoadMigrationFile(Write("empty.yaml", ""));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("empty migration file"), std::string::npos);
}

TEST_F(LoadMigrationFileTest, RejectsHugeFile) {
  std::string path = Write("huge.yaml", "operations: []\n" + std::string(10 * 1024 * 1024, '#'));
  Result<Migration> m = LoadMigrationFile(path);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("10 MiB"), std::string::npos) << m.status().message();
}

// A file in an older form is read, and the user is told once, with file:line,
// however often the process loads it.
TEST_F(LoadMigrationFileTest, OlderFormIsReadAndSaidOnce) {
  std::vector<std::string> warnings;
  WarningSink previous =
      SetWarningSink([&](const std::string& message) { warnings.push_back(message); });
  std::string path = Write("03_index.yaml",
                           "operations:\n"
                           "  - create_index:\n"
                           "      {name: idx_users_name, table: users, columns: [first_name]}\n");
  for (int i = 0; i < 3; ++i) {
    Result<Migration> m = LoadMigrationFile(path);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    const auto& index = std::get<OpCreateIndex>(m->operations[0].body);
    ASSERT_EQ(index.columns.size(), 1u);
    EXPECT_EQ(index.columns[0].column, "first_name");
  }
  SetWarningSink(previous);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find(path + ":3:53: the file uses an older form"), std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[0].find("zeroshift update " + dir_.string()), std::string::npos)
      << warnings[0];
}

TEST_F(LoadMigrationFileTest, CurrentFormSaysNothing) {
  std::vector<std::string> warnings;
  WarningSink previous =
      SetWarningSink([&](const std::string& message) { warnings.push_back(message); });
  Result<Migration> m = LoadMigrationFile(Write("02_split_name.yaml", kSplitNameYaml));
  SetWarningSink(previous);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(warnings.empty());
}

}  // namespace
}  // namespace zs::migration
