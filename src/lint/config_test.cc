#include "lint/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace zs::lint {
namespace {

namespace fs = std::filesystem;

TEST(LintConfig, ReadsEveryKey) {
  Result<LintConfig> config = ParseLintConfig(
      "pg_version: 14\nassume_in_transaction: true\nfail_on: error\n"
      "exclude: [rename-column, drop-table]\nseverity: {unbatched-dml: error}\n"
      "paths: [migrations]\nexclude_paths: ['migrations/old/*']\n",
      "/repo/.zeroshift-lint.yaml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->pg_version, 14);
  EXPECT_EQ(config->assume_in_transaction, true);
  EXPECT_EQ(config->fail_on, "error");
  EXPECT_EQ(config->exclude, (std::vector<std::string>{"rename-column", "drop-table"}));
  EXPECT_EQ(config->severity.at("unbatched-dml"), Severity::kError);
  EXPECT_EQ(config->paths, (std::vector<std::string>{"/repo/migrations"}));
  EXPECT_EQ(config->exclude_paths, (std::vector<std::string>{"/repo/migrations/old/*"}));
  EXPECT_TRUE(ParseLintConfig("", "empty.yaml").ok());
}

TEST(LintConfig, ErrorsNameFileLineAndColumn) {
  auto message = [](const std::string& text) {
    Result<LintConfig> config = ParseLintConfig(text, "c.yaml");
    EXPECT_FALSE(config.ok()) << text;
    return config.ok() ? "" : config.status().message();
  };
  EXPECT_EQ(message("pg_version: 15\nexclde: [a]\n"),
            "c.yaml:2:1: unknown key \"exclde\" (known: pg_version, assume_in_transaction, "
            "fail_on, exclude, severity, paths, exclude_paths)");
  EXPECT_EQ(message("pg_version: 11\n"),
            "c.yaml:1:13: pg_version must be a PostgreSQL major version from 12 to 17");
  EXPECT_NE(message("exclude: [drop-colum]\n").find("unknown rule \"drop-colum\""),
            std::string::npos);
  EXPECT_NE(message("severity: {drop-column: fatal}\n").find("error, warning or info"),
            std::string::npos);
  EXPECT_NE(message("fail_on: sometimes\n").find("fail_on must be"), std::string::npos);
  EXPECT_NE(message("[1, 2]\n").find("mapping"), std::string::npos);
  EXPECT_NE(message("a: [\n").find("invalid YAML"), std::string::npos);
}

TEST(LintConfig, FoundInTheNearestParentDirectory) {
  fs::path root = fs::temp_directory_path() / ("zs_lint_config_" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "a" / "b");
  std::ofstream(root / kConfigFileName) << "pg_version: 15\n";
  EXPECT_EQ(FindLintConfig(root / "a" / "b"), root / kConfigFileName);
  std::ofstream(root / "a" / kConfigFileName) << "pg_version: 16\n";
  EXPECT_EQ(FindLintConfig(root / "a" / "b"), root / "a" / kConfigFileName);
  fs::remove_all(root);
}

}  // namespace
}  // namespace zs::lint
