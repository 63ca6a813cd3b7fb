// The directory workflow through the real binary: latest, pull, baseline and
// drift.
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

TEST_F(WorkflowCli, LatestFromTheDatabaseAndFromADirectory) {
  Init();
  ProcessRun none = Zs({"latest", "migration"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("no migration"), std::string::npos) << none.err;
  Write("01_products.yaml", k01);
  Write("02_price.yaml", std::string("version_schema: v2\n") + k02);
  EXPECT_EQ(Zs({"latest", "schema", "--local", dir_.string()}).out, "public_v2\n");
  EXPECT_EQ(Zs({"latest", "--local", dir_.string()}).out, "public_v2\n");
  EXPECT_EQ(Zs({"latest", "migration", "--local", dir_.string()}).out, "02_price\n");
  EXPECT_EQ(Zs({"--schema", "app", "latest", "schema", "--local", dir_.string()}).out, "app_v2\n");
  ASSERT_EQ(Zs({"migrate", dir_.string()}).exit_code, 0);
  EXPECT_EQ(Zs({"latest", "schema"}).out, "public_v2\n");
  EXPECT_EQ(Zs({"latest", "migration"}).out, "02_price\n");
  ProcessRun empty = Zs({"latest", "--local", (root_ / "empty").string()});
  EXPECT_EQ(empty.exit_code, 1);
}

TEST_F(WorkflowCli, PullWritesTheHistoryBack) {
  Init();
  Write("01_products.yaml", k01);
  Write("02_price.yaml", k02);
  Write("03_title.yaml", k03);
  ASSERT_EQ(Zs({"migrate", dir_.string(), "--complete"}).exit_code, 0);

  fs::path yaml = root_ / "yaml";
  ProcessRun pull = Zs({"pull", yaml.string()});
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  EXPECT_EQ(pull.out, fmt::format("wrote {0}/01_products.yaml\nwrote {0}/02_price.yaml\nwrote "
                                  "{0}/03_title.yaml\n",
                                  yaml.string()));
  ProcessRun twice = Zs({"pull", yaml.string()});
  EXPECT_EQ(twice.exit_code, 0) << twice.err;
  EXPECT_NE(twice.out.find("already has every migration"), std::string::npos) << twice.out;

  fs::path prefixed = root_ / "prefixed";
  ASSERT_EQ(Zs({"pull", prefixed.string(), "--with-prefixes", "--json"}).exit_code, 0);
  EXPECT_TRUE(fs::exists(prefixed / "0001_01_products.json"));
  EXPECT_TRUE(fs::exists(prefixed / "0003_03_title.json"));
  // A partly filled directory gets only what it lacks, at its history position.
  fs::path partial = root_ / "partial";
  fs::create_directories(partial);
  Write("01_products.yaml", k01, partial);
  ASSERT_EQ(Zs({"pull", partial.string(), "-p"}).exit_code, 0);
  EXPECT_TRUE(fs::exists(partial / "0002_02_price.yaml"));
  EXPECT_FALSE(fs::exists(partial / "0001_01_products.yaml"));

  // Each pulled directory migrates a fresh database to the same schema.
  std::string schema_sql =
      "SELECT string_agg(column_name || ' ' || data_type, ',' ORDER BY ordinal_position) FROM "
      "information_schema.columns WHERE table_schema = 'public' AND table_name = 'products'";
  std::string expected = Value(schema_sql);
  for (const fs::path& dir : {yaml, prefixed}) {
    url_ = zs::testing::FreshDatabaseUrl();
    Init();
    ProcessRun replay = Zs({"migrate", dir.string(), "--complete"});
    ASSERT_EQ(replay.exit_code, 0) << dir << ": " << replay.err;
    EXPECT_EQ(Value(schema_sql), expected) << dir;
    EXPECT_EQ(Zs({"latest", "migration"}).out, "03_title\n");
  }
}

TEST_F(WorkflowCli, PullNeedsInit) {
  ProcessRun pull = Zs({"pull", (root_ / "x").string()});
  EXPECT_EQ(pull.exit_code, 1);
  EXPECT_NE(pull.err.find("zeroshift init"), std::string::npos) << pull.err;
}

TEST_F(WorkflowCli, BaselineRecordsTheCurrentSchema) {
  pg::Connection conn = Open(url_);
  MustRun(conn,
          "CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL);"
          "INSERT INTO products VALUES (1, 'tea')");
  Init();
  std::string before = Dump();
  ProcessRun baseline = Zs({"baseline", "01_initial", dir_.string()});
  ASSERT_EQ(baseline.exit_code, 0) << baseline.err;
  // Then the search_path old clients keep: init's baseline version.
  EXPECT_EQ(
      baseline.out,
      fmt::format(
          "recorded baseline 01_initial of schema \"public\"; wrote {}\nold clients: "
          "SET search_path TO \"public_baseline\", \"public\" (its shape stays as recorded until "
          "the next migration completes)\n",
          (dir_ / "01_initial.yaml").string()));
  auto file = migration::LoadMigrationFile((dir_ / "01_initial.yaml").string());
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->name, "01_initial");
  EXPECT_TRUE(file->operations.empty());
  // No DDL: only the history row is new (public_baseline is init's).
  EXPECT_EQ(Value("SELECT string_agg(nspname, ',') FROM pg_namespace WHERE nspname LIKE "
                  "'public\\_%'"),
            "public_baseline");
  EXPECT_EQ(Value("SELECT baseline::text || ' ' || done::text || ' ' || (live_schema -> "
                  "'tables' -> 0 ->> 'name') FROM zeroshift.migrations"),
            "true true products");
  EXPECT_EQ(Zs({"latest", "migration"}).out, "01_initial\n");
  EXPECT_EQ(Zs({"latest", "schema"}).out, "public\n") << "a baseline has no version schema";
  EXPECT_EQ(Zs({"drift"}).exit_code, 0);

  // Later migrations build on it; the baseline itself never runs.
  Write("02_price.yaml", k02);
  ProcessRun migrate = Zs({"migrate", dir_.string(), "--complete"});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  EXPECT_EQ(migrate.out, "applied 02_price\n");

  // A second baseline restarts the history: only with --yes; the files before
  // it in the directory are then part of it.
  ProcessRun refused = Zs({"baseline", "03_rebase", dir_.string()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("--yes"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(dir_ / "03_rebase.yaml")) << "a refused baseline wrote its file";
  ASSERT_EQ(Zs({"baseline", "03_rebase", dir_.string(), "--yes"}).exit_code, 0);
  Write("04_title.yaml", k03);
  ProcessRun after = Zs({"migrate", dir_.string(), "--complete"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out, "applied 04_title\n");
  fs::path pulled = root_ / "pulled";
  ASSERT_EQ(Zs({"pull", pulled.string()}).exit_code, 0);
  EXPECT_FALSE(fs::exists(pulled / "02_price.yaml")) << "pull went past the latest baseline";
  EXPECT_TRUE(fs::exists(pulled / "03_rebase.yaml"));
  EXPECT_TRUE(fs::exists(pulled / "04_title.yaml"));

  ProcessRun same_name = Zs({"baseline", "04_title", (root_ / "other").string(), "--yes"});
  EXPECT_EQ(same_name.exit_code, 3);
  EXPECT_FALSE(fs::exists(root_ / "other" / "04_title.yaml"));
  EXPECT_NE(before, "");
}

TEST_F(WorkflowCli, DriftReportsExactlyTheOutOfBandChange) {
  Init();
  Write("01_products.yaml", k01);
  Write("02_price.yaml", k02);
  ASSERT_EQ(Zs({"migrate", dir_.string(), "--complete"}).exit_code, 0);
  ProcessRun clean = Zs({"drift"});
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_NE(clean.out.find("no drift"), std::string::npos) << clean.out;

  // While a migration is active, its start is the reference.
  Write("03_title.yaml", k03);
  Write("04_code.yaml", k04);
  ASSERT_EQ(Zs({"migrate", dir_.string()}).exit_code, 0);
  ProcessRun active = Zs({"drift"});
  EXPECT_EQ(active.exit_code, 0) << active.out << active.err;
  EXPECT_NE(active.out.find("after its start"), std::string::npos) << active.out;
  ASSERT_EQ(Zs({"complete"}).exit_code, 0);
  EXPECT_EQ(Zs({"drift"}).exit_code, 0);

  pg::Connection conn = Open(url_);
  // (A type change is refused by PostgreSQL: the version schema's view uses the column.)
  MustRun(conn, "ALTER TABLE products ALTER COLUMN price SET DEFAULT 0");
  MustRun(conn, "ALTER TABLE products ADD COLUMN note text DEFAULT 'n/a'");
  ProcessRun drift = Zs({"drift"});
  EXPECT_EQ(drift.exit_code, 1);
  EXPECT_EQ(drift.out,
            "schema \"public\" compared with migration 04_code (recorded after its complete): 2 "
            "differences\n"
            "  column products.price: default changed: recorded (none), live 0\n"
            "  column products.note: added outside the migrations (live: text DEFAULT "
            "'n/a'::text)\n");
  EXPECT_NE(drift.err.find("drifted"), std::string::npos) << drift.err;

  ProcessRun json = Zs({"drift", "--json"});
  EXPECT_EQ(json.exit_code, 1);
  auto parsed = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << json.out;
  EXPECT_EQ(parsed["drift"], true);
  ASSERT_EQ(parsed["differences"].size(), 2u);
  EXPECT_EQ(parsed["differences"][0]["field"], "default");
  EXPECT_EQ(parsed["differences"][1]["change"], "added");

  MustRun(conn,
          "ALTER TABLE products DROP COLUMN note; CREATE INDEX products_price ON products "
          "(price); ALTER TABLE products ALTER COLUMN price DROP DEFAULT");
  ProcessRun index = Zs({"drift"});
  EXPECT_EQ(index.exit_code, 1);
  EXPECT_NE(index.out.find("1 difference\n  index products.products_price: added outside the "
                           "migrations (live: CREATE INDEX products_price ON public.products "
                           "USING btree (price))\n"),
            std::string::npos)
      << index.out;
}

TEST_F(WorkflowCli, DriftWithoutHistory) {
  Init();
  ProcessRun drift = Zs({"drift"});
  EXPECT_EQ(drift.exit_code, 1);
  EXPECT_NE(drift.err.find("history of this schema is empty"), std::string::npos) << drift.err;
}

}  // namespace
}  // namespace zs::cli
