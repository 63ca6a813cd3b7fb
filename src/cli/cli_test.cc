// The command line itself, through the built binary, without a database:
// --version, the exit codes, "did you mean", create, convert's output folder,
// demo's input check and its built-in migration, the generated man page and bash completion, and
// `cmake --install` into a scratch DESTDIR.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <regex>

#include <fmt/format.h>

#include "cli/version.h"
#include "testing/test_paths.h"
#include "testing/test_support.h"

namespace zs::cli {
namespace {

namespace fs = std::filesystem;
using zs::testing::ProcessRun;
using zs::testing::ReadFile;
using zs::testing::RunBinary;
using zs::testing::ShellQuote;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() / fmt::format("zs_clitest_{}_{}", getpid(), counter++);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs a shell command; returns its exit status and output (stdout and stderr).
  ProcessRun Shell(const std::string& command) {
    return zs::testing::RunShell(command, dir_ / "shell.out");
  }
  static bool Have(const std::string& tool) {
    return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
  }

  fs::path dir_;
};

TEST_F(CliTest, VersionNamesTheBuildAndLibpq) {
  ProcessRun run = RunBinary({"--version"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, VersionText());
  EXPECT_TRUE(std::regex_search(run.out, std::regex("^zeroshift [0-9]+\\.[0-9]+\\.[0-9]+")))
      << run.out;
  EXPECT_NE(run.out.find("\nlibpq " + LibpqVersionName(PQlibVersion()) + "\n"), std::string::npos)
      << run.out;
  EXPECT_EQ(LibpqVersionName(150005), "15.5");
  EXPECT_EQ(LibpqVersionName(90624), "9.6.24");
}

TEST_F(CliTest, UsageErrorsExit2) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{},
                                             {"status", "--no-such-flag"},
                                             {"start"},  // FILE missing
                                             {"--lock-timeout", "0", "status"},
                                             {"lint", "--no-such-flag"}}) {
    ProcessRun run = RunBinary(args);
    EXPECT_EQ(run.exit_code, 2) << fmt::format("{}", fmt::join(args, " ")) << run.err;
    EXPECT_FALSE(run.err.empty());
  }
  EXPECT_EQ(RunBinary({"--help"}).exit_code, 0);
  EXPECT_EQ(RunBinary({"start", "--help"}).exit_code, 0);
}

TEST_F(CliTest, AMistypedCommandGetsTheNearestOne) {
  ProcessRun run = RunBinary({"statu"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("unknown command \"statu\"; did you mean \"status\"?"), std::string::npos)
      << run.err;
  ProcessRun nested = RunBinary({"backfill", "pasue"});
  EXPECT_EQ(nested.exit_code, 2);
  EXPECT_NE(
      nested.err.find("zeroshift backfill: unknown command \"pasue\"; did you mean \"pause\"?"),
      std::string::npos)
      << nested.err;
  ProcessRun flag = RunBinary({"status", "--lock-timout", "10"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_NE(flag.err.find("did you mean --lock-timeout instead of --lock-timout?"),
            std::string::npos)
      << flag.err;
  ProcessRun far = RunBinary({"deploy"});
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_NE(far.err.find("unknown command \"deploy\""), std::string::npos) << far.err;
  EXPECT_EQ(far.err.find("did you mean"), std::string::npos) << far.err;
}

TEST_F(CliTest, FailuresExit1) {
  ProcessRun run = RunBinary({"plan", (dir_ / "missing.yaml").string()});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  std::ofstream(dir_ / "bad.sql")
      << "ALTER TABLE users ADD COLUMN c int NOT NULL DEFAULT random();\n";
  ProcessRun lint = RunBinary({"lint", (dir_ / "bad.sql").string()});
  EXPECT_EQ(lint.exit_code, 1) << lint.out << lint.err;  // a finding at or above --fail-on
}

TEST_F(CliTest, CreateWritesTheNextNumberedFile) {
  std::ofstream(dir_ / "01_create_users.yaml") << "operations: []\n";
  ProcessRun run = RunBinary({"create", "add_email", "--dir", dir_.string()});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(fs::exists(dir_ / "02_add_email.yaml")) << run.out;
  EXPECT_NE(run.out.find("02_add_email.yaml"), std::string::npos) << run.out;
  ProcessRun again = RunBinary({"create", "02_add_email", "--dir", dir_.string()});
  EXPECT_EQ(again.exit_code, 1) << again.err;
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  ProcessRun bad = RunBinary({"create", "a/b", "--dir", dir_.string()});
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
}

TEST_F(CliTest, ConvertNamesTheMissingOutputFolder) {
  std::ofstream(dir_ / "m.sql") << "ALTER TABLE users ADD COLUMN c int;\n";
  fs::path output = dir_ / "nope" / "x.yaml";
  ProcessRun run = RunBinary({"convert", (dir_ / "m.sql").string(), "-o", output.string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find(fmt::format("folder {} does not exist; create it (mkdir -p {})",
                                     (dir_ / "nope").string(), (dir_ / "nope").string())),
            std::string::npos)
      << run.err;
}

TEST_F(CliTest, DemoChecksItsInputBeforeStartingAServer) {
  ProcessRun run = RunBinary({"demo", "--file", (dir_ / "missing.yaml").string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("missing.yaml"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find("Starting a throwaway PostgreSQL"), std::string::npos) << run.out;
}

// The demo's migration is built in: it runs from a directory with no examples/.
TEST_F(CliTest, DemoRunsFromAnyDirectory) {
  ProcessRun run = Shell(fmt::format("cd {} && {} demo --rows 100", ShellQuote(dir_.string()),
                                     ShellQuote(zs::testing::ZeroshiftBinary())));
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("02_split_name.yaml (built in)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("users now has columns"), std::string::npos) << run.out;
}

TEST_F(CliTest, ManPageIsGeneratedFromTheHelpAndParses) {
  fs::path man = dir_ / "zeroshift.1";
  ProcessRun run = RunBinary({"help-man", man.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string text = ReadFile(man);
  for (const char* expected : {".TH ZEROSHIFT 1", "zeroshift start", "zeroshift backfill tune",
                               "\\-\\-lock\\-timeout", "\\-\\-fail\\-on", ".SH EXIT STATUS"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected;
  }
  EXPECT_EQ(text.find(".SS \"zeroshift help"), std::string::npos);  // hidden ones stay hidden
  if (!Have("groff")) GTEST_SKIP() << "groff is not installed (apt-get install groff-base)";
  ProcessRun render = Shell("groff -man -Tutf8 -ww -z " + ShellQuote(man.string()));
  EXPECT_EQ(render.exit_code, 0) << render.out;
  EXPECT_EQ(render.out, "") << "groff warnings";
}

TEST_F(CliTest, BashCompletionCompletesCommandsAndFlags) {
  fs::path script = dir_ / "zeroshift.bash";
  ASSERT_EQ(RunBinary({"help-bash-completion", script.string()}).exit_code, 0);
  EXPECT_EQ(Shell("bash -n " + ShellQuote(script.string())).exit_code, 0);
  auto complete = [&](const std::string& words) {
    // COMP_WORDS as bash fills it for the command line `words` (the cursor at its end).
    return Shell("bash -c " +
                 ShellQuote(fmt::format(
                     "source {}; COMP_WORDS=({}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); "
                     "_zeroshift; echo \"${{COMPREPLY[*]}}\"",
                     ShellQuote(script.string()), words)))
        .out;
  };
  EXPECT_EQ(complete("zeroshift sta"), "start status\n");
  EXPECT_EQ(complete("zeroshift backfill pa"), "pause\n");
  EXPECT_EQ(complete("zeroshift create --d"), "--dir\n");
  EXPECT_EQ(complete("zeroshift backfill tune --batch"), "--batch-size\n");
  EXPECT_EQ(complete("zeroshift lint --fail"), "--fail-on\n");
}

// make install: cmake --install into a scratch DESTDIR, with a PREFIX.
TEST_F(CliTest, InstallPutsTheBinaryManPageAndCompletionUnderPrefix) {
  fs::path build = fs::path(zs::testing::ZeroshiftBinary()).parent_path();
  fs::path root = dir_ / "root";
  ProcessRun run = Shell(fmt::format("DESTDIR={} cmake --install {} --prefix /opt/zs --strip",
                                     ShellQuote(root.string()), ShellQuote(build.string())));
  ASSERT_EQ(run.exit_code, 0) << run.out;
  fs::path prefix = root / "opt/zs";
  EXPECT_TRUE(fs::exists(prefix / "bin/zeroshift"));
  EXPECT_TRUE(fs::exists(prefix / "share/man/man1/zeroshift.1"));
  EXPECT_TRUE(fs::exists(prefix / "share/bash-completion/completions/zeroshift"));
  ProcessRun version = Shell(ShellQuote((prefix / "bin/zeroshift").string()) + " --version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out, VersionText());
  if (Have("man")) {
    ProcessRun man = Shell("MANWIDTH=80 man -l " +
                           ShellQuote((prefix / "share/man/man1/zeroshift.1").string()) + " | cat");
    EXPECT_NE(man.out.find("EXIT STATUS"), std::string::npos) << man.out;
  }
}

}  // namespace
}  // namespace zs::cli
