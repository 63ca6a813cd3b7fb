// `pull` writes one file per stored migration name into DIR: a name that is
// absolute, holds `/` or `..`, or a newline (which would also inject a line
// into DIR's ledger) is refused, and nothing is written outside DIR.
#include "history/migration_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>

namespace zs::history {
namespace {

namespace fs = std::filesystem;

TEST(MigrationWriter, NamesThatLeaveTheDirectoryAreRefused) {
  fs::path root =
      fs::temp_directory_path() / fmt::format("zs_pull_{}", static_cast<long>(getpid()));
  fs::remove_all(root);
  fs::path dir = root / "migrations";
  const std::string json = R"({"name":"x","operations":[]})";
  for (const std::string stem : {"../escaped", "/tmp/zs_absolute_escape", "a/../../escaped",
                                 "sub/dir", "x\nescaped", "..", ".hidden"}) {
    SCOPED_TRACE(stem);
    Result<std::string> written = WriteMigrationFile(dir.string(), stem, json, /*as_json=*/true);
    ASSERT_FALSE(written.ok()) << *written;
    EXPECT_NE(written.status().message().find("cannot write a migration file into"),
              std::string::npos)
        << written.status().message();
  }
  EXPECT_FALSE(fs::exists(root / "escaped.json"));
  EXPECT_FALSE(fs::exists("/tmp/zs_absolute_escape.json"));
  // An ordinary name is written inside DIR.
  Result<std::string> ok = WriteMigrationFile(dir.string(), "01_ok", json, /*as_json=*/true);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(fs::path(*ok).parent_path(), dir);
  fs::remove_all(root);
}

}  // namespace
}  // namespace zs::history
