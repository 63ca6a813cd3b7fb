// Migration directories (ledger, lexical order, bad input naming the file) and
// writing stored migrations back as files that parse to the same migration.
#include "history/migration_dir.h"
#include "history/migration_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "migration/parser.h"
#include "testing/reference.h"

namespace zs::history {
namespace {

namespace fs = std::filesystem;

class MigrationDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() / fmt::format("zs_dir_{}_{}", getpid(), counter++);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::vector<std::string> Names(bool use_ledger = true) {
    auto migrations = LoadMigrationDir(dir_.string(), use_ledger);
    EXPECT_TRUE(migrations.ok()) << migrations.status().ToString();
    std::vector<std::string> names;
    if (migrations.ok()) {
      for (const auto& m : *migrations) names.push_back(m.name);
    }
    return names;
  }

  fs::path dir_;
};

constexpr const char* kSql = "operations:\n  - sql:\n      up: SELECT 1\n";

TEST_F(MigrationDirTest, LexicalOrderOfMigrationFilesOnly) {
  Write("02_b.yml", kSql);
  Write("10_j.json", R"({"operations": [{"sql": {"up": "SELECT 1"}}]})");
  Write("01_a.yaml", kSql);
  Write("README.md", "not a migration");
  fs::create_directories(dir_ / "sub.yaml");
  EXPECT_EQ(Names(), (std::vector<std::string>{"01_a", "02_b", "10_j"}));
}

TEST_F(MigrationDirTest, LedgerGivesTheOrder) {
  Write("b.yaml", kSql);
  Write("a.yaml", kSql);
  Write("unlisted.yaml", kSql);
  Write(".ledger", "# applied in this order\nb.yaml\n\n  a.yaml  \n");
  EXPECT_EQ(Names(), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(Names(/*use_ledger=*/false), (std::vector<std::string>{"a", "b", "unlisted"}));
}

TEST_F(MigrationDirTest, LedgerNamingAMissingFileNamesTheLine) {
  Write("a.yaml", kSql);
  Write(".ledger", "a.yaml\nmissing.yaml\n");
  auto result = LoadMigrationDir(dir_.string());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find((dir_ / ".ledger").string() + ":2:"), std::string::npos)
      << result.status().message();
  EXPECT_NE(result.status().message().find("missing.yaml"), std::string::npos);
}

TEST_F(MigrationDirTest, UnparsableFileNamesFileAndLine) {
  Write("01_a.yaml", kSql);
  Write("02_b.yaml", "operations:\n  - add_colum:\n      table: t\n");
  auto result = LoadMigrationDir(dir_.string());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find((dir_ / "02_b.yaml").string() + ":2:"),
            std::string::npos)
      << result.status().message();
}

TEST_F(MigrationDirTest, TwoFilesOneName) {
  Write("01_a.yaml", kSql);
  Write("02_b.yaml", std::string("name: 01_a\n") + kSql);
  auto result = LoadMigrationDir(dir_.string());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("both define migration \"01_a\""), std::string::npos);
}

TEST_F(MigrationDirTest, MissingDirectory) {
  auto result = LoadMigrationDir((dir_ / "nope").string());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("does not exist"), std::string::npos);
  Write("file.yaml", kSql);
  auto not_dir = LoadMigrationDir((dir_ / "file.yaml").string());
  ASSERT_FALSE(not_dir.ok());
  EXPECT_NE(not_dir.status().message().find("not a directory"), std::string::npos);
}

TEST_F(MigrationDirTest, AppendToLedger) {
  ASSERT_TRUE(AppendToLedgerIfPresent(dir_.string(), "x.yaml").ok());
  EXPECT_FALSE(fs::exists(dir_ / ".ledger"));
  Write(".ledger", "a.yaml");  // no final newline
  ASSERT_TRUE(AppendToLedgerIfPresent(dir_.string(), "b.yaml").ok());
  std::ifstream in(dir_ / ".ledger");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "a.yaml\nb.yaml\n");
}

TEST_F(MigrationDirTest, WrittenFileRefusesToOverwrite) {
  auto first =
      WriteMigrationFile(dir_.string(), "01_a", R"({"name":"01_a","operations":[]})", false);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto again =
      WriteMigrationFile(dir_.string(), "01_a", R"({"name":"01_a","operations":[]})", false);
  EXPECT_EQ(again.status().code(), Code::kConflict);
  auto nested = WriteMigrationFile((dir_ / "new" / "dir").string(), "x",
                                   R"({"name":"x","operations":[]})", true);
  ASSERT_TRUE(nested.ok()) << nested.status().ToString();
  EXPECT_TRUE(fs::exists(dir_ / "new" / "dir" / "x.json"));
}

// Every example migration, stored as zeroshift stores it and written back as
// YAML and as JSON, parses to the same migration: `pull` loses nothing. The
// canonical JSON holds every field but source locations.
TEST(MigrationWriter, ExamplesRoundTripThroughYamlAndJson) {
  ZS_REQUIRE_PGROLL_EXAMPLES();
  fs::path examples = zs::testing::PgrollExamplesDir();
  auto migrations = LoadMigrationDir(examples.string());
  ASSERT_TRUE(migrations.ok()) << migrations.status().ToString();
  ASSERT_GE(migrations->size(), 50u);
  for (const auto& m : *migrations) {
    std::string stored = migration::ToJson(m);
    auto yaml = MigrationJsonToYaml(stored, "a comment\nover two lines");
    ASSERT_TRUE(yaml.ok()) << m.name << ": " << yaml.status().ToString();
    auto from_yaml = migration::ParseMigration(*yaml, "pulled.yaml");
    ASSERT_TRUE(from_yaml.ok()) << m.name << ":\n" << *yaml << from_yaml.status().ToString();
    EXPECT_EQ(migration::ToJson(*from_yaml), stored) << *yaml;
  }
}

TEST(MigrationWriter, TrickyStringsSurviveYaml) {
  const std::string up = "CREATE TABLE \"t: x\" (a int);\n  -- 'quoted' # not a comment\nSELECT 1";
  nlohmann::json migration = {
      {"name", "007"},
      {"operations",
       nlohmann::json::array({{{"sql", {{"up", up}, {"down", "true"}}}},
                              {{"sql", {{"up", "- 123: null"}, {"onComplete", true}}}},
                              {{"sql", {{"up", up + "\n"}, {"down", " x\n\n"}}}}})}};
  std::string stored = migration.dump();
  auto yaml = MigrationJsonToYaml(stored);
  ASSERT_TRUE(yaml.ok()) << yaml.status().ToString();
  auto parsed = migration::ParseMigration(*yaml, "x.yaml");
  ASSERT_TRUE(parsed.ok()) << *yaml << parsed.status().ToString();
  EXPECT_EQ(parsed->name, "007");
  ASSERT_EQ(parsed->operations.size(), 3u);
  const auto& first = std::get<migration::OpRawSql>(parsed->operations[0].body);
  EXPECT_EQ(first.up, up);
  EXPECT_EQ(first.down, "true");
  const auto& second = std::get<migration::OpRawSql>(parsed->operations[1].body);
  EXPECT_EQ(second.up, "- 123: null");
  EXPECT_TRUE(second.on_complete);
  const auto& third = std::get<migration::OpRawSql>(parsed->operations[2].body);
  EXPECT_EQ(third.up, up + "\n");
  EXPECT_EQ(third.down, " x\n\n");
  EXPECT_NE(yaml->find("up: |"), std::string::npos) << *yaml;
}

TEST(MigrationWriter, CanonicalOrderOfJsonbKeys) {
  // What jsonb gives back: shorter keys first.
  std::string stored =
      R"({"name": "03_x", "operations": [{"add_column": {"up": "1", "table": "t", "column": )"
      R"({"name": "c", "type": "int", "nullable": true}}}]})";
  EXPECT_EQ(CanonicalMigrationJson(stored),
            R"({"name":"03_x","operations":[{"add_column":{"table":"t","column":{"name":"c",)"
            R"("type":"int","nullable":true},"up":"1"}}]})");
  EXPECT_EQ(CanonicalMigrationJson("not json"), "not json");
}

}  // namespace
}  // namespace zs::history
