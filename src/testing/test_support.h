// Helpers for GoogleTest tests only (header-only: it uses gtest macros and the
// test target's ZS_BINARY, so the core library never includes it).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "migration/parser.h"
#include "pg/connection.h"

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

#ifdef ZS_BINARY
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
  std::string command = "exec " + ShellQuote(ZS_BINARY);
  for (const auto& arg : args) command += " " + ShellQuote(arg);
  command += " >" + ShellQuote((dir / "out").string()) + " 2>" + ShellQuote((dir / "err").string());
  ProcessRun run;
  int status = std::system(command.c_str());
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = ReadFile(dir / "out");
  run.err = ReadFile(dir / "err");
  fs::remove_all(dir);
  return run;
}
#endif

}  // namespace zs::testing
