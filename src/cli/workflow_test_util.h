// Test-only helpers shared by the workflow tests (workflow_test.cc,
// workflow_plan_test.cc, workflow_history_test.cc): four migrations of a
// products table and the WorkflowCli fixture that runs the real binary.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "testing/catalog_dump.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::cli::workflow_test {

namespace fs = std::filesystem;
using zs::testing::CatalogDump;
using zs::testing::MustRun;
using zs::testing::Open;
using zs::testing::ProcessRun;
using zs::testing::RunBinary;

inline constexpr const char* k01 = R"yaml(operations:
  - create_table:
      name: products
      columns:
        - {name: id, type: serial, pk: true}
        - {name: name, type: varchar(255), unique: true}
)yaml";
inline constexpr const char* k02 = R"yaml(operations:
  - add_column:
      table: products
      column: {name: price, type: "numeric(10,2)", nullable: true}
)yaml";
inline constexpr const char* k03 = R"yaml(operations:
  - rename_column:
      table: products
      from: name
      to: title
)yaml";
inline constexpr const char* k04 = R"yaml(operations:
  - add_column:
      table: products
      up: upper(title)
      column: {name: code, type: text, nullable: true}
)yaml";

// A fresh database, initialised, and a scratch directory for migration files.
class WorkflowCli : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    root_ = fs::temp_directory_path() / fmt::format("zs_wf_{}_{}", getpid(), counter++);
    dir_ = root_ / "migrations";
    fs::create_directories(dir_);
    url_ = zs::testing::FreshDatabaseUrl();
  }
  void TearDown() override { fs::remove_all(root_); }

  void Write(const std::string& name, const std::string& text, const fs::path& dir = {}) {
    std::ofstream(dir.empty() ? dir_ / name : dir / name) << text;
  }
  ProcessRun Zs(std::vector<std::string> args) {
    args.push_back("--postgres-url");
    args.push_back(url_);
    return RunBinary(args);
  }
  void Init() {
    ProcessRun init = Zs({"init"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }
  std::string Value(const std::string& sql) {
    pg::Connection conn = Open(url_);
    Result<pg::Rows> rows = conn.Exec(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    return rows.ok() && !rows->empty() ? rows->Get(0, 0) : "<error>";
  }
  std::string Dump() {
    pg::Connection conn = Open(url_);
    return CatalogDump(conn);
  }

  fs::path root_;
  fs::path dir_;
  std::string url_;
};

}  // namespace zs::cli::workflow_test
