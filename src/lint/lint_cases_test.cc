// The linter's data-file tests: every tests/lint/cases/<case>.sql is linted
// and its findings compared with <case>.expected, one "rule line:col" per line
// (an empty file for a clean case). A first line "-- lint-options: ..." sets
// --pg-version N and --assume-in-transaction; a line "-- zs-case: next-file"
// starts another file linted by the same linter (so a table created in the
// first file is an existing table in the next), with line numbers kept as in
// the case file. Each case is its own test: LintCases/Case.Matches/<case>.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lint/linter.h"
#include "lint/rules.h"
#include "testing/test_paths.h"

namespace zs::lint {
namespace {

namespace fs = std::filesystem;

const fs::path kCasesDir = fs::path(zs::testing::SourceDir()) / "tests" / "lint" / "cases";
constexpr std::string_view kOptionsPrefix = "-- lint-options:";
constexpr std::string_view kNextFile = "-- zs-case: next-file";

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kCasesDir, ec)) {
    if (entry.path().extension() == ".sql") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

LintOptions OptionsOf(const std::string& sql) {
  LintOptions options;
  if (!sql.starts_with(kOptionsPrefix)) return options;
  std::istringstream words(
      sql.substr(kOptionsPrefix.size(), sql.find('\n') - kOptionsPrefix.size()));
  std::string word;
  while (words >> word) {
    if (word == "--assume-in-transaction") options.assume_in_transaction = true;
    if (word == "--pg-version" && (words >> word)) options.pg_version = std::stoi(word);
  }
  return options;
}

// Lints the case's files in order; lines counted in the whole case file.
std::vector<std::string> LintCase(const std::string& sql, const std::string& name) {
  Linter linter(OptionsOf(sql));
  std::vector<std::string> out;
  std::istringstream lines(sql);
  std::string line;
  std::string part;
  int part_first_line = 1;
  int line_number = 0;
  auto flush = [&] {
    for (const Finding& f : linter.LintText(part, name + ".sql")) {
      out.push_back(f.rule + " " + std::to_string(f.line + part_first_line - 1) + ":" +
                    std::to_string(f.column));
    }
  };
  while (std::getline(lines, line)) {
    ++line_number;
    if (line == kNextFile) {
      flush();
      part.clear();
      part_first_line = line_number + 1;
      continue;
    }
    part += line + "\n";
  }
  flush();
  return out;
}

std::vector<std::string> ExpectedOf(const fs::path& path) {
  std::vector<std::string> out;
  std::istringstream lines(Read(path));
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line[0] != '#') out.push_back(line);
  }
  return out;
}

class Case : public ::testing::TestWithParam<std::string> {};

TEST_P(Case, Matches) {
  const std::string& name = GetParam();
  fs::path expected_path = kCasesDir / (name + ".expected");
  ASSERT_TRUE(fs::exists(expected_path)) << "missing " << expected_path;
  std::string sql = Read(kCasesDir / (name + ".sql"));
  std::vector<std::string> actual = LintCase(sql, name);
  std::vector<std::string> expected = ExpectedOf(expected_path);
  std::string actual_text;
  for (const std::string& line : actual) actual_text += line + "\n";
  EXPECT_EQ(actual, expected) << "tests/lint/cases/" << name << ".sql gave:\n" << actual_text;
}

INSTANTIATE_TEST_SUITE_P(LintCases, Case, ::testing::ValuesIn(CaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// The data set is the specification: at least 150 cases, and every rule has a
// case that must report it and a clean case named after it.
TEST(LintCases, CoverEveryRuleBothWays) {
  std::vector<std::string> names = CaseNames();
  EXPECT_GE(names.size(), 150u);
  for (const RuleInfo& rule : AllRules()) {
    std::string prefix(rule.id);
    std::replace(prefix.begin(), prefix.end(), '-', '_');
    bool bad = false;
    bool good = false;
    for (const std::string& name : names) {
      if (!name.starts_with(prefix + "__")) continue;
      std::vector<std::string> expected = ExpectedOf(kCasesDir / (name + ".expected"));
      bool reports = std::any_of(expected.begin(), expected.end(), [&](const std::string& line) {
        return line.starts_with(std::string(rule.id) + " ");
      });
      (reports ? bad : good) = true;
    }
    EXPECT_TRUE(bad) << rule.id << " has no case that reports it (" << prefix << "__*.sql)";
    EXPECT_TRUE(good) << rule.id << " has no clean case (" << prefix << "__*.sql)";
  }
}

}  // namespace
}  // namespace zs::lint
