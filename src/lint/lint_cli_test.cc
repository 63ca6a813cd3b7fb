// `zeroshift lint` and `zeroshift convert` through the real binary: exit codes
// (0 clean, 1 findings at or above --fail-on, 2 usage errors), formats, stdin,
// directories, exclusions and the configuration file.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "testing/test_paths.h"
#include "testing/test_support.h"

namespace zs::lint {
namespace {

namespace fs = std::filesystem;
using zs::testing::ProcessRun;
using zs::testing::RunBinary;

constexpr const char* kClean =
    "SET lock_timeout = '500ms';\nSET statement_timeout = '5s';\n"
    "ALTER TABLE users ADD COLUMN nickname text;\n";
constexpr const char* kWarningOnly =
    "SET lock_timeout = '500ms';\nSET statement_timeout = '5s';\n"
    "ALTER TABLE users DROP COLUMN nickname;\n";
constexpr const char* kError =
    "SET lock_timeout = '500ms';\nSET statement_timeout = '5s';\n"
    "CREATE INDEX users_nickname_idx ON users (nickname);\n";

class LintCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("zs_lint_cli_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path.string();
  }
  ProcessRun Lint(std::vector<std::string> args) {
    args.insert(args.begin(), {"lint", "--no-config"});
    return RunBinary(args);
  }

  fs::path dir_;
};

TEST_F(LintCli, CleanFileExitsZero) {
  ProcessRun run = Lint({Write("clean.sql", kClean)});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("no findings in 1 file"), std::string::npos) << run.out;
}

TEST_F(LintCli, FindingsExitOne) {
  ProcessRun run = Lint({Write("error.sql", kError)});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("error.sql:3:1: error[create-index-non-concurrently]"), std::string::npos)
      << run.out;
  EXPECT_NE(run.err.find("1 finding at or above warning"), std::string::npos) << run.err;
}

// A directory's files are read in the order numbered migrations run: 2
// before 10 (as text, "10" < "2" and the SET NOT NULL would come before the
// check that proves it safe).
TEST_F(LintCli, DirectoryFilesAreReadInNaturalOrder) {
  const std::string timeouts = "SET lock_timeout = '500ms';\nSET statement_timeout = '5s';\n";
  Write("dir/2_check.sql", timeouts +
                               "ALTER TABLE users ADD CONSTRAINT users_nick_nn CHECK (nickname IS "
                               "NOT NULL) NOT VALID;\n");
  Write("dir/9_validate.sql", timeouts + "ALTER TABLE users VALIDATE CONSTRAINT users_nick_nn;\n");
  Write("dir/10_not_null.sql",
        timeouts + "ALTER TABLE users ALTER COLUMN nickname SET NOT NULL;\n");
  ProcessRun run = Lint({(dir_ / "dir").string()});
  EXPECT_EQ(run.out.find("10_not_null.sql:3"), std::string::npos) << run.out << run.err;
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
}

TEST_F(LintCli, FailOnSetsTheThreshold) {
  std::string warning = Write("warning.sql", kWarningOnly);
  EXPECT_EQ(Lint({warning}).exit_code, 1);
  EXPECT_EQ(Lint({"--fail-on", "error", warning}).exit_code, 0);
  EXPECT_EQ(Lint({"--fail-on", "none", Write("error.sql", kError)}).exit_code, 0);
  EXPECT_EQ(Lint({"--fail-on", "info", warning}).exit_code, 1);
}

TEST_F(LintCli, UsageErrorsExitTwo) {
  std::string clean = Write("clean.sql", kClean);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--bogus", clean},
           {"--format", "xml", clean},
           {"--format"},
           {"--pg-version", "11", clean},
           {"--pg-version", "abc", clean},
           {"--fail-on", "sometimes", clean},
           {"--exclude", "no-such-rule", clean},
           {(dir_ / "missing.sql").string()},
           {},
       }) {
    ProcessRun run = Lint(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(run.exit_code, 2) << joined << "\n" << run.out << run.err;
    EXPECT_NE(run.err.find("zeroshift lint: "), std::string::npos) << joined << run.err;
  }
}

TEST_F(LintCli, HelpAndListRulesExitZero) {
  ProcessRun help = RunBinary({"lint", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--assume-in-transaction"), std::string::npos) << help.out;
  ProcessRun rules = RunBinary({"lint", "--list-rules", "--format", "json"});
  EXPECT_EQ(rules.exit_code, 0) << rules.err;
  nlohmann::json list = nlohmann::json::parse(rules.out);
  EXPECT_GE(list.size(), 30u);
  EXPECT_EQ(list[0]["id"], "syntax-error");
}

TEST_F(LintCli, JsonFromStandardInput) {
  Write("seed.sql",
        "ALTER TABLE users ADD COLUMN first_name VARCHAR(100);\n"
        "UPDATE users SET first_name = split_part(name, ' ', 1);\n");
  std::string command = zs::testing::ShellQuote(zs::testing::ZeroshiftBinary()) +
                        " lint --no-config --format json --assume-in-transaction "
                        "--stdin-filename seed.sql - < " +
                        zs::testing::ShellQuote((dir_ / "seed.sql").string()) + " > " +
                        zs::testing::ShellQuote((dir_ / "out.json").string());
  int status = std::system(command.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 1);
  nlohmann::json findings = nlohmann::json::parse(zs::testing::ReadFile(dir_ / "out.json"));
  std::vector<std::string> rules;
  for (const auto& f : findings) {
    EXPECT_EQ(f["file"], "seed.sql");
    rules.push_back(f["rule"]);
  }
  EXPECT_EQ(rules, (std::vector<std::string>{"lock-timeout-missing", "statement-timeout-missing",
                                             "runs-while-locked", "unbatched-dml"}));
}

TEST_F(LintCli, DirectoriesInNameOrderWithSchemaCarriedOver) {
  // 001 creates the table, so 002's type change is judged with its real old type.
  Write("migrations/001_create.sql", "CREATE TABLE accounts (name varchar(50));\n");
  Write("migrations/002_widen.sql",
        "SET lock_timeout = '500ms';\nSET statement_timeout = '5s';\n"
        "ALTER TABLE accounts ALTER COLUMN name TYPE varchar(80);\n");
  Write("migrations/003_narrow.sql",
        "SET lock_timeout = '500ms';\nSET statement_timeout = '5s';\n"
        "ALTER TABLE accounts ALTER COLUMN name TYPE varchar(10);\n");
  Write("migrations/notes.txt", "DROP TABLE accounts;");
  ProcessRun run = Lint({"--format", "json", (dir_ / "migrations").string()});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  nlohmann::json findings = nlohmann::json::parse(run.out);
  ASSERT_EQ(findings.size(), 1u) << run.out;
  EXPECT_EQ(findings[0]["rule"], "alter-column-type-rewrite");
  EXPECT_NE(findings[0]["file"].get<std::string>().find("003_narrow.sql"), std::string::npos);
  EXPECT_EQ(findings[0]["severity"], "error");
}

TEST_F(LintCli, ExcludeRulesAndPaths) {
  std::string warning = Write("a/warning.sql", kWarningOnly);
  EXPECT_EQ(Lint({"--exclude", "drop-column", warning}).exit_code, 0);
  Write("a/error.sql", kError);
  ProcessRun run = Lint({"--exclude-path", "*/error.sql", "--exclude", "drop-column,syntax-error",
                         (dir_ / "a").string()});
  EXPECT_EQ(run.exit_code, 0) << run.out;
}

TEST_F(LintCli, ConfigurationFile) {
  std::string migrations = (dir_ / "db").string();
  Write("db/001.sql", kWarningOnly);
  Write("db/old/000.sql", kError);
  std::string config = Write(".zeroshift-lint.yaml",
                             "pg_version: 13\n"
                             "fail_on: error\n"
                             "severity: {drop-column: error}\n"
                             "paths: [db]\n"
                             "exclude_paths: [\"db/old/*\"]\n");
  ProcessRun run = RunBinary({"lint", "--config", config, "--format", "json"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  nlohmann::json findings = nlohmann::json::parse(run.out);
  ASSERT_EQ(findings.size(), 1u) << run.out;
  EXPECT_EQ(findings[0]["rule"], "drop-column");
  EXPECT_EQ(findings[0]["severity"], "error");

  std::string broken = Write("broken.yaml", "pg_version: 15\nfail_on_typo: error\n");
  ProcessRun bad = RunBinary({"lint", "--config", broken, migrations});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("broken.yaml:2:1: unknown key \"fail_on_typo\""), std::string::npos)
      << bad.err;
}

TEST_F(LintCli, EveryFormatRuns) {
  std::string file = Write("error.sql", kError);
  for (const char* format : {"text", "json", "sarif", "github"}) {
    ProcessRun run = Lint({"--format", format, file});
    EXPECT_EQ(run.exit_code, 1) << format << run.err;
    EXPECT_NE(run.out.find("create-index-non-concurrently"), std::string::npos) << format;
  }
}

TEST_F(LintCli, ConvertPrintsAMigrationAndWarnsOnStderr) {
  std::string file = Write("seed.sql",
                           "BEGIN;\nALTER TABLE users ADD COLUMN first_name text;\n"
                           "UPDATE users SET first_name = split_part(name, ' ', 1);\n"
                           "GRANT SELECT ON users TO reporting;\nCOMMIT;\n");
  ProcessRun run = RunBinary({"convert", file});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "operations:\n"
            "  - add_column:\n"
            "      table: users\n"
            "      column:\n"
            "        name: first_name\n"
            "        type: text\n"
            "        nullable: true\n"
            "      up: split_part(name, ' ', 1)\n"
            "  - sql:\n"
            "      up: GRANT SELECT ON users TO reporting\n");
  EXPECT_NE(run.err.find("seed.sql:4:1: `GRANT SELECT ON users TO reporting` becomes an `sql` "
                         "operation"),
            std::string::npos)
      << run.err;
  ProcessRun json = RunBinary({"convert", "--json", file});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(json.out)["operations"].size(), 2u);
  ProcessRun broken = RunBinary({"convert", Write("broken.sql", "ALTER TABLE users ADD;\n")});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("broken.sql:1:22: PostgreSQL's parser rejects this statement"),
            std::string::npos)
      << broken.err;
}

}  // namespace
}  // namespace zs::lint
