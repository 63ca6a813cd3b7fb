// The directory workflow through the real binary: validate and plan (read-only,
// raw SQL before operations, whole directories) and backfill control.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/workflow_test_util.h"
#include "migration/parser.h"
#include "testing/test_paths.h"
#include "testing/test_support.h"

namespace zs::cli {
namespace {

// k01..k04, the WorkflowCli fixture, and fs, MustRun, Open, ProcessRun.
using namespace workflow_test;  // NOLINT(google-build-using-namespace)

TEST_F(WorkflowCli, ValidateChangesNothing) {
  Init();
  Write("01_products.yaml", k01);
  ASSERT_EQ(Zs({"migrate", dir_.string(), "--complete"}).exit_code, 0);
  pg::Connection conn = Open(url_);
  MustRun(conn, "INSERT INTO products (name) VALUES ('tea'), ('coffee')");
  Write("02_price.yaml", k04 /* needs title: fails */);
  Write("03_ok.yaml", R"(operations:
  - add_column:
      table: products
      up: length(name)
      column: {name: name_length, type: integer, nullable: false}
  - rename_column:
      table: products
      from: name
      to: title
)");
  std::string before = Dump();

  ProcessRun ok = Zs({"validate", (dir_ / "03_ok.yaml").string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(
      ok.out.rfind(
          "ok: " + (dir_ / "03_ok.yaml").string() + ": migration \"03_ok\", 2 operations\n", 0),
      0u)
      << ok.out;
  EXPECT_NE(ok.out.find("version schema: public_03_ok"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("backfill: products"), std::string::npos) << ok.out;

  ProcessRun missing_column = Zs({"validate", (dir_ / "02_price.yaml").string()});
  EXPECT_EQ(missing_column.exit_code, 1);
  EXPECT_NE(missing_column.err.find("02_price.yaml:2:"), std::string::npos) << missing_column.err;
  EXPECT_NE(missing_column.err.find("title"), std::string::npos) << missing_column.err;

  Write("04_type.yaml",
        "operations:\n  - add_column:\n      table: products\n      column: "
        "{name: x, type: no_such_type, nullable: true}\n");
  ProcessRun bad_type = Zs({"validate", (dir_ / "04_type.yaml").string()});
  EXPECT_EQ(bad_type.exit_code, 1);
  EXPECT_NE(bad_type.err.find("no_such_type"), std::string::npos) << bad_type.err;

  Write("05_exists.yaml",
        "operations:\n  - add_column:\n      table: products\n      column: "
        "{name: name, type: text, nullable: true}\n");
  ProcessRun exists = Zs({"validate", (dir_ / "05_exists.yaml").string()});
  EXPECT_EQ(exists.exit_code, 1) << "an invalid migration exits 1, not 3";
  EXPECT_NE(exists.err.find("already exists"), std::string::npos) << exists.err;

  Write("06_expr.yaml",
        "operations:\n  - add_column:\n      table: products\n      up: "
        "nosuchcol + 1\n      column: {name: y, type: integer, nullable: true}\n");
  ProcessRun expr = Zs({"validate", (dir_ / "06_expr.yaml").string()});
  EXPECT_EQ(expr.exit_code, 1);
  EXPECT_NE(expr.err.find("nosuchcol"), std::string::npos) << expr.err;

  Write("07_syntax.yaml",
        "operations:\n  - add_column:\n      table: products\n      up: "
        "\"1; DROP TABLE products\"\n      column: {name: z, type: integer, "
        "nullable: true}\n");
  ProcessRun injection = Zs({"validate", (dir_ / "07_syntax.yaml").string()});
  EXPECT_EQ(injection.exit_code, 1);

  ProcessRun unparsable = Zs({"validate", (dir_ / "nope.yaml").string()});
  EXPECT_EQ(unparsable.exit_code, 1);
  EXPECT_NE(unparsable.err.find("nope.yaml"), std::string::npos);

  EXPECT_EQ(Dump(), before) << "validate changed the catalog";
}

// Operations after raw SQL may use what it created: validate and plan stop
// there (they used to crash), start plans them after the SQL ran, and a
// start that fails after the SQL still rolls back every operation that ran.
TEST_F(WorkflowCli, OperationsAfterRawSqlOnWhatItCreated) {
  Init();
  constexpr const char* kSqlThenAdd = R"yaml(operations:
  - sql:
      up: CREATE TABLE gadgets (id int PRIMARY KEY, name text)
      down: DROP TABLE gadgets
  - add_column:
      table: gadgets
      up: upper(name)
      column: {name: code, type: text, nullable: true}
)yaml";
  Write("01_gadgets.yaml", kSqlThenAdd);
  Write("02_broken.yaml", std::string(kSqlThenAdd) + R"yaml(  - add_column:
      table: widgets
      column: {name: extra, type: text, nullable: true}
  - add_column:
      table: nosuch
      column: {name: x, type: text, nullable: true}
)yaml");
  {
    pg::Connection conn = Open(url_);
    MustRun(conn, "CREATE TABLE widgets (id int PRIMARY KEY)");
  }
  std::string before = Dump();
  ProcessRun validate = Zs({"validate", (dir_ / "01_gadgets.yaml").string()});
  EXPECT_EQ(validate.exit_code, 0) << validate.err;
  EXPECT_NE(validate.out.find("note: the operations after the sql operation"), std::string::npos)
      << validate.out;
  ProcessRun plan = Zs({"plan", (dir_ / "01_gadgets.yaml").string()});
  EXPECT_EQ(plan.exit_code, 0) << plan.err;

  ProcessRun broken = Zs({"start", (dir_ / "02_broken.yaml").string()});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("\"nosuch\""), std::string::npos) << broken.err;
  // The rehearsal runs the SQL, then finds `nosuch`, in a transaction that is
  // rolled back: the start is refused before anything runs.
  EXPECT_EQ(Dump(), before) << "a start refused by its rehearsal left something behind";
  EXPECT_NE(Zs({"rollback"}).err.find("no migration is active"), std::string::npos);

  ProcessRun start = Zs({"start", (dir_ / "01_gadgets.yaml").string(), "--complete"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(Value("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                  "information_schema.columns WHERE table_schema = 'public' AND table_name = "
                  "'gadgets'"),
            "id,name,code");
}

// plan DIR and validate DIR: the migrations migrate would apply next, in
// order, each on the schema the ones before it leave; nothing changes.
TEST_F(WorkflowCli, PlanAndValidateADirectoryCoverItsPendingMigrations) {
  Init();
  Write("01_products.yaml", k01);
  ASSERT_EQ(Zs({"migrate", dir_.string(), "--complete"}).exit_code, 0);
  Write("02_price.yaml", k02);
  Write("03_rename.yaml", k03);
  Write("04_code.yaml", k04);  // upper(title): only valid after 03's rename
  std::string before = Dump();

  ProcessRun plan = Zs({"plan", dir_.string()});
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("3 pending migrations in " + dir_.string() + ": 02_price"),
            std::string::npos)
      << plan.out;
  EXPECT_EQ(plan.out.find("01_products ("), std::string::npos) << "01 is applied: " << plan.out;
  EXPECT_NE(plan.out.find("price"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("NEW.\"code\" := (upper("), std::string::npos) << plan.out;

  ProcessRun ok = Zs({"validate", dir_.string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out.rfind("ok: 3 pending migrations in " + dir_.string(), 0), 0u) << ok.out;

  // A pending migration that does not fit what the ones before it leave.
  Write("05_broken.yaml", R"(operations:
  - add_column:
      table: products
      up: upper(name)
      column: {name: shout, type: text, nullable: true}
)");
  ProcessRun broken = Zs({"validate", dir_.string()});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("05_broken.yaml:"), std::string::npos) << broken.err;
  EXPECT_EQ(Dump(), before) << "plan or validate of a directory changed the catalog";

  fs::remove(dir_ / "05_broken.yaml");
  ASSERT_EQ(Zs({"migrate", dir_.string(), "--complete"}).exit_code, 0);
  ProcessRun nothing = Zs({"validate", dir_.string()});
  EXPECT_EQ(nothing.exit_code, 0) << nothing.err;
  EXPECT_NE(nothing.out.find("nothing pending"), std::string::npos) << nothing.out;
  ProcessRun nothing_plan = Zs({"plan", dir_.string()});
  EXPECT_EQ(nothing_plan.exit_code, 0) << nothing_plan.err;
  EXPECT_NE(nothing_plan.out.find("nothing pending"), std::string::npos) << nothing_plan.out;
}

// backfill pause/resume/tune: JSON for scripts (a pipe, or --json), a sentence
// on a terminal (`script` gives the binary one).
TEST_F(WorkflowCli, BackfillControlSpeaksToATerminalAndJsonToScripts) {
  Init();
  Write("01_products.yaml", k01);
  Write("02_price.yaml", k02);
  ASSERT_EQ(Zs({"migrate", dir_.string()}).exit_code, 0);  // 02 left active

  ProcessRun piped = Zs({"backfill", "pause"});
  EXPECT_EQ(piped.exit_code, 0) << piped.err;
  nlohmann::json control = nlohmann::json::parse(piped.out);
  EXPECT_EQ(control["paused"], true);
  ProcessRun json = Zs({"backfill", "tune", "--batch-size", "500", "--json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)["batch_size"], 500);

  if (std::system("command -v script >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "script (util-linux) is not installed: no terminal to test with";
  }
  fs::path out = root_ / "terminal.out";
  std::string command = fmt::format("{} backfill tune --delay 100 --postgres-url {}",
                                    zs::testing::ShellQuote(zs::testing::ZeroshiftBinary()),
                                    zs::testing::ShellQuote(url_));
  int status = std::system(fmt::format("script -qec {} /dev/null </dev/null >{} 2>&1",
                                       zs::testing::ShellQuote(command),
                                       zs::testing::ShellQuote(out.string()))
                               .c_str());
  EXPECT_EQ(status, 0);
  std::string text = zs::testing::ReadFile(out);
  EXPECT_NE(text.find("paused; fixed batches of 500 rows, 100 ms apart"), std::string::npos)
      << text;
  EXPECT_EQ(text.find('{'), std::string::npos) << text;
}

}  // namespace
}  // namespace zs::cli
