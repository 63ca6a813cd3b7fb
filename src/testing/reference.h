// Where tests find the external reference material (pgroll's example
// migrations, ../shared/reference/ next to the clone, as CI has it). A plain
// clone does not have it: such tests are skipped with a message saying how to
// get it, except under CI (CI=true), where its absence is a failure.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "testing/test_paths.h"

namespace zs::testing {

// The directories searched for "pgroll-examples", in order: $ZS_REFERENCE_DIR,
// ../shared/reference next to the source tree (CI), and one level further up
// (a git worktree in a sibling directory of the clone).
inline std::vector<std::filesystem::path> ReferenceDirCandidates() {
  std::vector<std::filesystem::path> dirs;
  if (const char* dir = std::getenv("ZS_REFERENCE_DIR"); dir != nullptr && *dir != '\0') {
    dirs.emplace_back(dir);
  }
  std::filesystem::path source(SourceDir());
  dirs.push_back(source.parent_path() / "shared" / "reference");
  dirs.push_back(source.parent_path().parent_path() / "shared" / "reference");
  return dirs;
}

// pgroll's example migrations directory, or "" when none of the candidates has it.
inline std::filesystem::path PgrollExamplesDir() {
  for (const std::filesystem::path& dir : ReferenceDirCandidates()) {
    std::error_code ec;
    if (std::filesystem::is_directory(dir / "pgroll-examples", ec)) return dir / "pgroll-examples";
  }
  return {};
}

inline bool RunningUnderCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && (std::string_view(ci) == "true" || std::string_view(ci) == "1");
}

inline std::string MissingExamplesMessage() {
  std::string searched;
  for (const std::filesystem::path& dir : ReferenceDirCandidates()) {
    searched += (searched.empty() ? "" : ", ") + (dir / "pgroll-examples").string();
  }
  return "pgroll's example migrations are not here (looked in " + searched +
         "). Get them with `git clone https://github.com/xataio/pgroll` and copy its examples/ "
         "to ../shared/reference/pgroll-examples next to this clone, or set ZS_REFERENCE_DIR to "
         "a directory holding pgroll-examples/";
}

}  // namespace zs::testing

// In a test body: skips the test when pgroll's examples are missing, or fails
// it under CI, where they must be present.
#define ZS_REQUIRE_PGROLL_EXAMPLES()                                      \
  do {                                                                    \
    if (::zs::testing::PgrollExamplesDir().empty()) {                     \
      if (::zs::testing::RunningUnderCi()) {                              \
        FAIL() << "CI=true: " << ::zs::testing::MissingExamplesMessage(); \
      }                                                                   \
      GTEST_SKIP() << ::zs::testing::MissingExamplesMessage();            \
    }                                                                     \
  } while (false)
