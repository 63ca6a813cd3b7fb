// Issue 18: progress without statistics, and one rate for everyone.
// - A table never vacuumed or analysed (pg_class.reltuples = -1) used to
//   show "~-1 rows" with no percentage or ETA: its rows are now estimated
//   from a count of its first rows and its size.
// - The final progress line and `zeroshift status` computed rows/s from
//   different clocks; both now divide the run's rows by the seconds the
//   runner saved with its cursor.
#include <gtest/gtest.h>

#include <cmath>
#include <mutex>

#include <fmt/format.h>

#include "backfill/backfill.h"
#include "backfill/progress.h"
#include "cli/status_json.h"
#include "engine/engine.h"
#include "migration/parser.h"
#include "testing/seed_migration.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::backfill {
namespace {

using zs::testing::MustRun;
using zs::testing::Open;

// Created and filled, never vacuumed or analysed (autovacuum kept off it).
void CreateUnanalysed(pg::Connection& conn, const std::string& table, int rows) {
  MustRun(conn, fmt::format("CREATE TABLE {} (id bigserial PRIMARY KEY, name text NOT NULL) WITH "
                            "(autovacuum_enabled = false)",
                            table));
  MustRun(conn, fmt::format("INSERT INTO {} (name) SELECT 'First' || i || ' Last' || i FROM "
                            "generate_series(1, {}) i",
                            table, rows));
}

long long RelTuples(pg::Connection& conn, const std::string& table) {
  Result<pg::Rows> rows = conn.Exec(
      fmt::format("SELECT reltuples::bigint FROM pg_class WHERE oid = '{}'::regclass", table));
  EXPECT_TRUE(rows.ok());
  return rows.ok() ? rows->GetInt(0, 0) : -2;
}

TEST(EstimateTableRowsTest, CountsASmallUnanalysedTable) {
  pg::Connection conn = Open(zs::testing::FreshDatabaseUrl());
  CreateUnanalysed(conn, "small", 5000);
  ASSERT_EQ(RelTuples(conn, "small"), -1) << "the premise: no statistics";
  Result<long long> estimate = EstimateTableRows(conn, "public.small");
  ASSERT_TRUE(estimate.ok()) << estimate.status().ToString();
  EXPECT_EQ(*estimate, 5000);
}

TEST(EstimateTableRowsTest, ExtrapolatesALargeOneFromItsSize) {
  pg::Connection conn = Open(zs::testing::FreshDatabaseUrl());
  CreateUnanalysed(conn, "large", 120000);
  ASSERT_EQ(RelTuples(conn, "large"), -1);
  Result<long long> estimate = EstimateTableRows(conn, "public.large");
  ASSERT_TRUE(estimate.ok()) << estimate.status().ToString();
  EXPECT_NEAR(static_cast<double>(*estimate), 120000.0, 12000.0);
}

TEST(EstimateTableRowsTest, UsesStatisticsWhenThereAreSomeAndSumsPartitions) {
  pg::Connection conn = Open(zs::testing::FreshDatabaseUrl());
  MustRun(conn, "CREATE TABLE p (id int NOT NULL, v text) PARTITION BY RANGE (id)");
  MustRun(conn,
          "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (1000) WITH "
          "(autovacuum_enabled = false)");
  MustRun(conn,
          "CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (1000) TO (100000) WITH "
          "(autovacuum_enabled = false)");
  MustRun(conn, "INSERT INTO p SELECT i, 'x' FROM generate_series(1, 3000) i");
  MustRun(conn, "ANALYZE p1");  // p2 keeps no statistics
  Result<long long> estimate = EstimateTableRows(conn, "public.p");
  ASSERT_TRUE(estimate.ok()) << estimate.status().ToString();
  EXPECT_EQ(*estimate, 3000);
  EXPECT_EQ(*EstimateTableRows(conn, "public.missing"), -1);
}

// A real start on a never-analysed table: the start event, the progress line
// and the bar show an estimate and a percentage, not "~-1".
TEST(EstimateTableRowsTest, ProgressOfANeverAnalysedTableHasAPercentage) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUnanalysed(admin, "users", 3000);
  std::mutex mu;
  std::vector<Event> events;
  engine::Options options;
  options.backfill = {.batch_size = 500};
  options.backfill.on_event = [&](const Event& e) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(e);
  };
  Result<engine::Engine> engine = engine::Engine::Connect(url, options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  ASSERT_TRUE(engine->Init().ok());
  Result<migration::Migration> m =
      migration::ParseMigration(zs::testing::kSplitNameYaml, "02_split_name.yaml");
  ASSERT_TRUE(m.ok());
  Status started = engine->Start(*m);
  ASSERT_TRUE(started.ok()) << started.ToString();

  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.front().kind, EventKind::kStart);
  EXPECT_EQ(events.front().progress.rows_estimate, 3000);
  EXPECT_EQ(EventMessage(events.front()), "users: starting (~3000 rows)");
  const Event& first = events[1];
  ASSERT_EQ(first.kind, EventKind::kProgress);
  EXPECT_NE(ProgressLine(first.progress).find("of ~3000 (17%)"), std::string::npos)
      << ProgressLine(first.progress);
  EXPECT_EQ(ProgressBar(first.progress).find("~-1"), std::string::npos);

  // The final line's rate is the one `zeroshift status` reports.
  const Event& done = events.back();
  ASSERT_EQ(done.kind, EventKind::kDone);
  Result<nlohmann::json> status = cli::StatusJson(*engine);
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  const nlohmann::json& cursor = (*status)["active"]["backfill"][0];
  EXPECT_EQ(cursor["rows_per_s"].get<double>(), std::round(done.progress.RowsPerSecond()))
      << cursor.dump() << " vs " << EventMessage(done);
  EXPECT_EQ(cursor["rows_estimate"], 3000);
  EXPECT_EQ(cursor["percent"], 100);
  EXPECT_NE(
      EventMessage(done).find(fmt::format("({:.0f} rows/s", cursor["rows_per_s"].get<double>())),
      std::string::npos)
      << EventMessage(done) << " vs " << cursor.dump();
}

}  // namespace
}  // namespace zs::backfill
