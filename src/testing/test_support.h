// Helpers for GoogleTest tests only (header-only: it uses gtest macros and the
// test target's zeroshift binary, so the core library never includes it).
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "migration/parser.h"
#include "pg/connection.h"
#include "testing/test_paths.h"

extern char** environ;

namespace zs::testing {

// Opens a connection or fails the test and aborts: every test needs it.
inline pg::Connection Open(const std::string& url) {
  Result<pg::Connection> conn = pg::Connection::Open(url);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) std::abort();
  return std::move(conn).value();
}

// Parses a migration the test wrote or fails the test and aborts.
inline migration::Migration MustParseMigration(const std::string& yaml,
                                               const std::string& file = "m.yaml") {
  Result<migration::Migration> m = migration::ParseMigration(yaml, file);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (!m.ok()) std::abort();
  return std::move(m).value();
}

inline void MustRun(pg::Connection& conn, const std::string& sql) {
  Status status = conn.Run(sql);
  ASSERT_TRUE(status.ok()) << sql << ": " << status.ToString();
}

struct ProcessRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The exit code in a wait status, or -1 when a signal ended the process.
inline int ExitCode(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
}

// Runs a shell command with its stdout and stderr both into `out_file`;
// returns its exit code and that output (in `out`).
inline ProcessRun RunShell(const std::string& command, const std::filesystem::path& out_file) {
  int status = std::system((command + " >" + ShellQuote(out_file.string()) + " 2>&1").c_str());
  return {.exit_code = ExitCode(status), .out = ReadFile(out_file)};
}

// Waits for the child `pid` to end; its exit code, or -1 when a signal ended it.
inline int WaitExitCode(pid_t pid) {
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  return ExitCode(status);
}

// Polls `condition` every `interval` until it holds (true) or `timeout` has
// passed (false): the deadline only turns a hang into a failure.
template <typename Condition>
bool WaitUntil(Condition condition, std::chrono::milliseconds timeout,
               std::chrono::milliseconds interval = std::chrono::milliseconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(interval);
  }
  return true;
}

// A child started in the background: `error` is posix_spawn's (0: started).
struct Spawned {
  int error = 0;
  pid_t pid = -1;
};

// Starts `program` with `args` in the background, its stdout into `out` and
// stderr into `err` (created or truncated; "/dev/null" to drop them).
inline Spawned Spawn(const std::string& program, const std::vector<std::string>& args,
                     const std::string& out, const std::string& err) {
  std::vector<std::string> all = {program};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : all) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  Spawned spawned;
  spawned.error = posix_spawn(&spawned.pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return spawned;
}

// The zeroshift binary with `args`, in the background (see Spawn).
inline Spawned SpawnBinary(const std::vector<std::string>& args, const std::string& out,
                           const std::string& err) {
  return Spawn(ZeroshiftBinary(), args, out, err);
}

// Runs the zeroshift binary with `args` and captures its exit code (-1 when a
// signal ended it) and output.
inline ProcessRun RunBinary(const std::vector<std::string>& args) {
  namespace fs = std::filesystem;
  static std::atomic<int> counter{0};
  fs::path dir = fs::temp_directory_path() /
                 fmt::format("zs_cli_{}_{}", static_cast<long>(getpid()), counter++);
  fs::create_directories(dir);
  // exec: the shell becomes the binary, so a signal that kills it shows as
  // such (exit_code -1) instead of the shell's exit status 128 + signal.
  std::string command = "exec " + ShellQuote(ZeroshiftBinary());
  for (const auto& arg : args) command += " " + ShellQuote(arg);
  command += " >" + ShellQuote((dir / "out").string()) + " 2>" + ShellQuote((dir / "err").string());
  ProcessRun run;
  run.exit_code = ExitCode(std::system(command.c_str()));
  run.out = ReadFile(dir / "out");
  run.err = ReadFile(dir / "err");
  fs::remove_all(dir);
  return run;
}

}  // namespace zs::testing
