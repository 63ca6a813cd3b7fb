// `--no-rebuild` is a MariaDB option (start's online rebuild before the
// backfill, docs/mariadb.md): PostgreSQL's start rebuilds no table, so there
// the flag changes nothing and `start` and `migrate` say so on stderr,
// naming the flag, and run as without it (cli/cmd_backfill.cc,
// WarnMariadbFlagsOnPostgres).
#include <gtest/gtest.h>

#include <string>

#include "cli/workflow_test_util.h"

namespace zs::cli::workflow_test {
namespace {

using NoRebuildPostgres = WorkflowCli;

constexpr char kNoRebuildWarning[] =
    "warning: --no-rebuild is ignored on PostgreSQL: start rebuilds no table there; drop "
    "--no-rebuild";

TEST_F(NoRebuildPostgres, StartWarnsNamingTheFlagAndRunsAsWithoutIt) {
  Init();
  Write("01_products.yaml", k01);
  ProcessRun created = Zs({"migrate", dir_.string()});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.err.find("--no-rebuild"), std::string::npos) << created.err;
  ProcessRun finished = Zs({"complete"});  // migrate leaves the last one active
  ASSERT_EQ(finished.exit_code, 0) << finished.err;
  pg::Connection conn = Open(url_);
  MustRun(conn, "INSERT INTO products (name) SELECT 'p' || g FROM generate_series(1, 50) g");
  Write("02_code.yaml", R"yaml(operations:
  - add_column:
      table: products
      up: upper(name)
      column: {name: code, type: text, nullable: true}
)yaml");

  ProcessRun start = Zs({"start", (dir_ / "02_code.yaml").string(), "--no-rebuild"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_NE(start.err.find(kNoRebuildWarning), std::string::npos) << start.err;
  ProcessRun complete = Zs({"complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  // The backfill ran as without the flag: every row has its `up`.
  EXPECT_EQ(Value("SELECT count(*) FROM products WHERE code = upper(name)"), "50");
}

TEST_F(NoRebuildPostgres, MigrateWarnsNamingTheFlag) {
  Init();
  Write("01_products.yaml", k01);
  ProcessRun migrate = Zs({"migrate", dir_.string(), "--no-rebuild"});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  EXPECT_NE(migrate.err.find(kNoRebuildWarning), std::string::npos) << migrate.err;
}

}  // namespace
}  // namespace zs::cli::workflow_test
