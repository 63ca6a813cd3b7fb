// The output formats: JSON reads back with every field, SARIF carries the
// 2.1.0 structure, GitHub annotations follow the workflow-command syntax, and
// the text format puts the caret under the reported column.
#include "lint/report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>

#include "lint/linter.h"
#include "lint/rules.h"

namespace zs::lint {
namespace {

using nlohmann::json;

constexpr const char* kSeed =
    "ALTER TABLE users ADD COLUMN first_name VARCHAR(100);\n"
    "ALTER TABLE users ADD COLUMN last_name VARCHAR(100);\n"
    "UPDATE users SET first_name = split_part(name, ' ', 1);\n"
    "UPDATE users SET last_name = split_part(name, ' ', 2);\n"
    "ALTER TABLE users DROP COLUMN name;\n";

std::vector<Finding> SeedFindings() {
  LintOptions options;
  options.assume_in_transaction = true;
  return LintSql(kSeed, "migrations/002_split.sql", options);
}

TEST(LintReport, JsonReadsBackWithEveryField) {
  std::vector<Finding> findings = SeedFindings();
  ASSERT_FALSE(findings.empty());
  json parsed = json::parse(FormatJson(findings));
  ASSERT_TRUE(parsed.is_array());
  ASSERT_EQ(parsed.size(), findings.size());
  for (size_t i = 0; i < findings.size(); ++i) {
    const json& j = parsed[i];
    for (const char* key : {"file", "line", "column", "end_line", "end_column", "rule", "severity",
                            "message", "help"}) {
      EXPECT_TRUE(j.contains(key)) << key;
    }
    EXPECT_EQ(j["file"], "migrations/002_split.sql");
    EXPECT_EQ(j["line"], findings[i].line);
    EXPECT_EQ(j["column"], findings[i].column);
    EXPECT_EQ(j["rule"], findings[i].rule);
    EXPECT_EQ(j["severity"], std::string(SeverityName(findings[i].severity)));
    EXPECT_EQ(j["message"], findings[i].message);
    EXPECT_EQ(j.contains("rewrite"), !findings[i].rewrite.empty());
  }
  json drop = parsed.back();
  EXPECT_EQ(drop["rule"], "drop-column");
  EXPECT_EQ(drop["line"], 5);
  EXPECT_EQ(drop["column"], 19);
}

TEST(LintReport, JsonOfNothingIsAnEmptyArray) {
  EXPECT_EQ(json::parse(FormatJson({})), json::array());
}

TEST(LintReport, JsonSurvivesInvalidUtf8) {
  std::vector<Finding> findings = LintSql("ALTER TABLE \"\xff\xfe\" DROP COLUMN a;", "bad.sql");
  ASSERT_FALSE(findings.empty());
  EXPECT_NO_THROW(json::parse(FormatJson(findings)));
  EXPECT_NO_THROW(json::parse(FormatSarif(findings, "0.1.0")));
}

TEST(LintReport, SarifHasThe210Structure) {
  std::vector<Finding> findings = SeedFindings();
  json sarif = json::parse(FormatSarif(findings, "0.1.0"));
  EXPECT_EQ(sarif["version"], "2.1.0");
  EXPECT_NE(sarif["$schema"].get<std::string>().find("sarif-2.1.0"), std::string::npos);
  ASSERT_EQ(sarif["runs"].size(), 1u);
  const json& run = sarif["runs"][0];
  const json& driver = run["tool"]["driver"];
  EXPECT_EQ(driver["name"], "zeroshift-lint");
  EXPECT_EQ(driver["version"], "0.1.0");
  ASSERT_EQ(driver["rules"].size(), AllRules().size());
  for (const json& rule : driver["rules"]) {
    EXPECT_TRUE(rule["id"].is_string());
    EXPECT_TRUE(rule["shortDescription"]["text"].is_string());
    EXPECT_TRUE(rule["help"]["text"].is_string());
    std::string level = rule["defaultConfiguration"]["level"];
    EXPECT_TRUE(level == "error" || level == "warning" || level == "note") << level;
  }
  ASSERT_EQ(run["results"].size(), findings.size());
  for (size_t i = 0; i < findings.size(); ++i) {
    const json& result = run["results"][i];
    EXPECT_EQ(result["ruleId"], findings[i].rule);
    int index = result["ruleIndex"];
    ASSERT_GE(index, 0);
    EXPECT_EQ(driver["rules"][index]["id"], findings[i].rule);
    EXPECT_TRUE(result["message"]["text"].is_string());
    const json& location = result["locations"][0]["physicalLocation"];
    EXPECT_EQ(location["artifactLocation"]["uri"], "migrations/002_split.sql");
    EXPECT_EQ(location["region"]["startLine"], findings[i].line);
    EXPECT_EQ(location["region"]["startColumn"], findings[i].column);
    EXPECT_GE(location["region"]["endLine"].get<int>(), findings[i].line);
  }
}

TEST(LintReport, GithubAnnotationsFollowTheWorkflowCommandSyntax) {
  std::vector<Finding> findings = SeedFindings();
  std::string out = FormatGithub(findings);
  std::istringstream lines(out);
  std::string line;
  const std::regex command(
      R"(^::(error|warning|notice) file=[^,:]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,)"
      R"(title=zeroshift lint%3A [a-z-]+::[^\r\n]+$)");
  size_t count = 0;
  while (std::getline(lines, line)) {
    EXPECT_TRUE(std::regex_match(line, command)) << line;
    ++count;
  }
  EXPECT_EQ(count, findings.size());
  // Multi-line help and rewrites are escaped, not split over lines.
  EXPECT_NE(out.find("%0A"), std::string::npos);
  EXPECT_NE(out.find("::error file=migrations/002_split.sql,line=3,col=1,"), std::string::npos);
}

TEST(LintReport, GithubEscapesPropertiesAndData) {
  Finding f;
  f.rule = "drop-table";
  f.severity = Severity::kInfo;
  f.file = "a,b:c.sql";
  f.line = 1;
  f.column = 2;
  f.end_line = 1;
  f.end_column = 3;
  f.message = "100% gone\r\nreally";
  EXPECT_EQ(FormatGithub({f}),
            "::notice file=a%2Cb%3Ac.sql,line=1,col=2,endLine=1,endColumn=3,"
            "title=zeroshift lint%3A drop-table::100%25 gone%0D%0Areally\n");
}

TEST(LintReport, TextPutsTheCaretUnderTheColumn) {
  std::vector<Finding> findings = LintSql(
      "SET lock_timeout = '1s'; SET statement_timeout = '5s';\n"
      "\tALTER TABLE users DROP COLUMN name;\n",
      "x.sql");
  ASSERT_EQ(findings.size(), 1u);
  std::string text = FormatText(findings, 1, false);
  EXPECT_NE(text.find("x.sql:2:20: warning[drop-column]: DROP COLUMN name of users"),
            std::string::npos)
      << text;
  // The tab before the statement is kept so the caret lines up under DROP.
  EXPECT_NE(text.find("2 | \tALTER TABLE users DROP COLUMN name;\n  | \t                  ^\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("1 finding in 1 file: 0 errors, 1 warning, 0 info"), std::string::npos);
  EXPECT_EQ(FormatText({}, 3, false), "no findings in 3 files\n");
}

TEST(LintReport, TextColorsOnlyWhenAsked) {
  std::vector<Finding> findings = SeedFindings();
  EXPECT_EQ(FormatText(findings, 1, false).find('\033'), std::string::npos);
  EXPECT_NE(FormatText(findings, 1, true).find("\033[1;31m"), std::string::npos);
}

}  // namespace
}  // namespace zs::lint
