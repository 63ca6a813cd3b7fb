// The directory workflow through the real binary against a real PostgreSQL:
// migrate (order, pending, active, mismatches, bad input, --single-version)
// and start/status. Plan, validate and backfill control are in
// workflow_plan_test.cc; latest, pull, baseline and drift in
// workflow_history_test.cc.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/workflow_test_util.h"
#include "migration/parser.h"
#include "testing/test_support.h"

namespace zs::cli {
namespace {

// k01..k04, the WorkflowCli fixture, and fs, MustRun, Open, ProcessRun.
using namespace workflow_test;  // NOLINT(google-build-using-namespace)

TEST_F(WorkflowCli, MigrateAppliesPendingInOrderAndLeavesTheLastActive) {
  Init();
  Write("01_products.yaml", k01);
  Write("02_price.yaml", k02);
  Write("03_title.yaml", k03);
  ProcessRun run = Zs({"migrate", dir_.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "applied 01_products\napplied 02_price\nstarted 03_title: active in version schema "
            "public_03_title; `zeroshift complete` once old clients are gone\n");
  EXPECT_EQ(Value("SELECT string_agg(name || ':' || step, ',' ORDER BY created_at) FROM "
                  "zeroshift.migrations"),
            "01_products:done,02_price:done,03_title:active");
  EXPECT_EQ(Value("SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                  "'public_03_title' AND table_name = 'products' AND column_name = 'title'"),
            "1");

  // Nothing pending: the active migration stays, and the output says what to do.
  ProcessRun again = Zs({"migrate", dir_.string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("03_title is active and nothing else is pending"), std::string::npos)
      << again.out;
  EXPECT_EQ(Value("SELECT step FROM zeroshift.migrations WHERE name = '03_title'"), "active");

  // A new file: the active one is completed first, then the new one starts.
  Write("04_code.yaml", k04);
  ProcessRun more = Zs({"migrate", dir_.string()});
  ASSERT_EQ(more.exit_code, 0) << more.err;
  EXPECT_EQ(more.out,
            "completed 03_title (it was active)\nstarted 04_code: active in version schema "
            "public_04_code; `zeroshift complete` once old clients are gone\n");

  ProcessRun latest = Zs({"latest", "migration"});
  EXPECT_EQ(latest.exit_code, 0) << latest.err;
  EXPECT_EQ(latest.out, "04_code\n");
  EXPECT_EQ(Zs({"latest", "schema"}).out, "public_04_code\n");
  EXPECT_EQ(Zs({"latest"}).out, "public_04_code\n");

  ProcessRun done = Zs({"migrate", dir_.string(), "--complete"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(done.out,
            "completed 04_code (it was active)\ndatabase is up to date; no migrations to apply\n");
  EXPECT_EQ(Value("SELECT count(*) FROM zeroshift.migrations WHERE NOT done"), "0");
  EXPECT_EQ(Value("SELECT string_agg(code, ',') FROM products"), "");
  EXPECT_EQ(Zs({"migrate", dir_.string()}).out, "database is up to date; no migrations to apply\n");
}

// start and status give each side the search_path that works: its version,
// then the schema (whose functions, types and sequences the app still needs).
TEST_F(WorkflowCli, StartAndStatusGiveTheWorkingSearchPaths) {
  Init();
  Write("01_products.yaml", k01);
  ASSERT_EQ(Zs({"migrate", dir_.string(), "--complete"}).exit_code, 0);
  Write("02_price.yaml", k02);
  ProcessRun start = Zs({"start", (dir_ / "02_price.yaml").string()});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  std::string said = start.out + start.err;
  EXPECT_NE(said.find("SET search_path TO \"public_02_price\", \"public\""), std::string::npos)
      << said;
  EXPECT_NE(said.find("SET search_path TO \"public_01_products\", \"public\""), std::string::npos)
      << said;
  nlohmann::json status = nlohmann::json::parse(Zs({"status"}).out);
  EXPECT_EQ(status["new_clients_search_path"], "\"public_02_price\", \"public\"");
  EXPECT_EQ(status["old_clients_search_path"], "\"public_01_products\", \"public\"");
}

TEST_F(WorkflowCli, MigrateFollowsTheLedger) {
  Init();
  // Lexical order would run b before a, which cannot work.
  Write("b_price.yaml", k02);
  Write("a_products.yaml", k01);
  Write("z_unlisted.yaml", k03);
  Write(".ledger", "a_products.yaml\nb_price.yaml\n");
  ProcessRun run = Zs({"migrate", dir_.string(), "--complete"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "applied a_products\napplied b_price\n");
  EXPECT_EQ(Zs({"latest", "migration", "--local", dir_.string()}).out, "b_price\n");
}

TEST_F(WorkflowCli, MigrateRefusesWhenHistoryAndDirectoryDisagree) {
  Init();
  Write("01_products.yaml", k01);
  Write("02_price.yaml", k02);
  ASSERT_EQ(Zs({"migrate", dir_.string(), "--complete"}).exit_code, 0);
  std::string before = Dump();

  // The history has 02_price; the directory lost it and has another file instead.
  fs::remove(dir_ / "02_price.yaml");
  Write("02_other.yaml", k04);
  ProcessRun missing = Zs({"migrate", dir_.string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("history has migration \"02_price\""), std::string::npos)
      << missing.err;
  EXPECT_NE(missing.err.find("\"02_other\" in its place"), std::string::npos) << missing.err;

  // Same names, different order.
  fs::remove(dir_ / "02_other.yaml");
  Write("00_price.yaml", std::string("name: 02_price\n") + k02);
  ProcessRun order = Zs({"migrate", dir_.string()});
  EXPECT_EQ(order.exit_code, 1);
  EXPECT_NE(order.err.find("differs from the history"), std::string::npos) << order.err;
  EXPECT_NE(order.err.find("\"01_products\""), std::string::npos) << order.err;
  EXPECT_NE(order.err.find("\"02_price\""), std::string::npos) << order.err;
  EXPECT_EQ(Dump(), before);
}

TEST_F(WorkflowCli, MigrateBadInputNamesTheFileAndTouchesNothing) {
  Init();
  Write("01_products.yaml", k01);
  Write("02_bad.yaml", "operations:\n  - add_column:\n      table: products\n      colum: {}\n");
  std::string before = Dump();
  ProcessRun bad = Zs({"migrate", dir_.string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find((dir_ / "02_bad.yaml").string() + ":4:"), std::string::npos) << bad.err;

  fs::remove(dir_ / "02_bad.yaml");
  Write(".ledger", "01_products.yaml\n02_gone.yaml\n");
  ProcessRun ledger = Zs({"migrate", dir_.string()});
  EXPECT_EQ(ledger.exit_code, 1);
  EXPECT_NE(ledger.err.find((dir_ / ".ledger").string() + ":2:"), std::string::npos) << ledger.err;
  EXPECT_NE(ledger.err.find("02_gone.yaml"), std::string::npos) << ledger.err;

  ProcessRun nodir = Zs({"migrate", (root_ / "nope").string()});
  EXPECT_EQ(nodir.exit_code, 1);
  EXPECT_NE(nodir.err.find("nope does not exist"), std::string::npos) << nodir.err;

  // A migration that fails validation against the schema: nothing of it runs.
  fs::remove(dir_ / ".ledger");
  Write("02_price.yaml",
        "operations:\n  - add_column:\n      table: nosuch\n      column: {name: "
        "x, type: text, nullable: true}\n");
  fs::remove(dir_ / "01_products.yaml");
  ProcessRun invalid = Zs({"migrate", dir_.string()});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_NE(invalid.err.find("02_price.yaml:2:"), std::string::npos) << invalid.err;
  EXPECT_NE(invalid.err.find("\"nosuch\""), std::string::npos) << invalid.err;
  EXPECT_EQ(Dump(), before);
}

TEST_F(WorkflowCli, MigrateNeedsInit) {
  Write("01_products.yaml", k01);
  ProcessRun run = Zs({"migrate", dir_.string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("zeroshift init"), std::string::npos) << run.err;
}

TEST_F(WorkflowCli, SingleVersionStartsSeveralMigrationsAsOneVersion) {
  Init();
  Write("01_products.yaml", k01);
  ASSERT_EQ(Zs({"migrate", dir_.string(), "--complete"}).exit_code, 0);
  Write("02_price.yaml", k02);
  Write("03_title.yaml", k03);
  Write("04_code.yaml", k04);
  ProcessRun run = Zs({"migrate", dir_.string(), "--single-version"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "started 02_price (one version: public_04_code)\n"
            "started 03_title (one version: public_04_code)\n"
            "started 04_code (one version: public_04_code)\n"
            "`zeroshift complete` completes them together once old clients are gone\n");
  // One state row, one version schema with the three changes in it.
  EXPECT_EQ(Value("SELECT string_agg(name, ',' ORDER BY created_at) FROM zeroshift.migrations"),
            "01_products,04_code");
  EXPECT_EQ(Value("SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE "
                  "nspname LIKE 'public\\_%'"),
            "public_01_products,public_04_code");
  EXPECT_EQ(Value("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                  "information_schema.columns WHERE table_schema = 'public_04_code' AND "
                  "table_name = 'products'"),
            "id,title,price,code");
  EXPECT_EQ(Zs({"latest", "migration"}).out, "04_code\n");

  // The history lists each migration: pull writes three files with their own content.
  fs::path pulled = root_ / "pulled";
  ProcessRun pull = Zs({"pull", pulled.string()});
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  for (const char* name : {"01_products", "02_price", "03_title", "04_code"}) {
    auto original = migration::LoadMigrationFile((dir_ / (std::string(name) + ".yaml")).string());
    auto written = migration::LoadMigrationFile((pulled / (std::string(name) + ".yaml")).string());
    ASSERT_TRUE(written.ok()) << name << ": " << written.status().ToString();
    EXPECT_EQ(migration::ToJson(*written), migration::ToJson(*original)) << name;
  }
  // A later migrate sees each of them as applied.
  ProcessRun again = Zs({"migrate", dir_.string()});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("04_code is active and nothing else is pending"), std::string::npos)
      << again.out;

  // Rollback takes all three back at once.
  std::string active = Dump();
  ProcessRun rollback = Zs({"rollback"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  EXPECT_EQ(Value("SELECT count(*) FROM zeroshift.migrations"), "1");
  EXPECT_EQ(Value("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                  "information_schema.columns WHERE table_schema = 'public' AND "
                  "table_name = 'products'"),
            "id,name");
  ProcessRun complete = Zs({"migrate", dir_.string(), "--single-version", "--complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  EXPECT_EQ(Value("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                  "information_schema.columns WHERE table_schema = 'public' AND "
                  "table_name = 'products'"),
            "id,title,price,code");
  EXPECT_EQ(Value("SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE "
                  "nspname LIKE 'public\\_%'"),
            "public_04_code");
  EXPECT_NE(active, "");
}

}  // namespace
}  // namespace zs::cli
