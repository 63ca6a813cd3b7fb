// Failover to an asynchronous standby that missed the primary's last
// transactions (issue 14, part 2). The standby stops streaming at a chosen
// point (TempCluster::DisconnectFromPrimary), the primary goes on, then the
// standby is promoted: only what reached it survives, and zeroshift's state
// there must agree with the data it finds.
//
// PostgreSQL replays WAL in commit order and zeroshift records every batch's
// cursor and every action's count in the transaction of its effect (the state
// store's *Sql contract), so any point a standby stops at is a state a crash
// could have left: a batch whose cursor did not arrive did not arrive either,
// and is redone; an action whose record did not arrive is redone by the
// re-run. The tests cut the standby at every boundary of `complete` and in the
// middle of a backfill, and check that status, the re-run and the data agree.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "engine/failover_test_util.h"
#include "testing/catalog_dump.h"

namespace zs::engine::failover {
namespace {

using zs::testing::CatalogDump;
using zs::testing::MustRun;
using zs::testing::Open;
using zs::testing::WaitUntil;

constexpr auto kAsyncWait = std::chrono::seconds(60);  // turns a hang into a failure only

void CreateUsersAt(const std::string& url, int rows) {
  pg::Connection conn = Open(url);
  MustRun(conn, "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL)");
  MustRun(conn, fmt::format("INSERT INTO users (name) SELECT 'First' || i || ' Last' || i FROM "
                            "generate_series(1, {}) AS i",
                            rows));
}

std::string Quoted(const std::string& text) { return "'" + text + "'"; }

// The backfill's batches 11-20 commit on the primary after the standby
// stopped streaming: the promoted standby's cursor says 1000 rows and its
// rows 1001-2000 are not backfilled, so status, the data and the resumed
// backfill agree; an acknowledged write the standby never received is gone.
TEST(FailoverAsyncTest, BatchesTheStandbyMissedAreRedone) {
  ClusterPair pair = StartPair(/*synchronous=*/false);
  CreateUsersAt(pair.primary_url, kRows);
  ASSERT_EQ(Zeroshift(pair.primary_url, {"init"}).exit_code, 0);
  MigrationFile file;

  // Two row locks stop the backfill twice, each time with a batch in flight
  // (taken once start's DDL, which they would block, is done).
  CrashStartIntoBackfill(pair.primary_url, file);
  if (HasFatalFailure()) return;
  pg::Connection first_lock = Open(pair.primary_url);
  pg::Connection second_lock = Open(pair.primary_url);
  MustRun(first_lock, "BEGIN; SELECT 1 FROM users WHERE id = 1001 FOR UPDATE");
  MustRun(second_lock, "BEGIN; SELECT 1 FROM users WHERE id = 2001 FOR UPDATE");
  zs::testing::Spawned runner =
      zs::testing::SpawnBinary(BackfillArgs(pair.primary_url), "/dev/null", "/dev/null");
  ASSERT_EQ(runner.error, 0);
  ASSERT_TRUE(WaitUntil([&] { return CursorRows(pair.standby_url) == 1000; }, kAsyncWait));

  // The standby has everything up to here, and nothing after.
  ASSERT_TRUE(pair.standby->WaitForReplay(*pair.primary).ok());
  ASSERT_TRUE(pair.standby->DisconnectFromPrimary().ok());
  Writer lost(pair.primary_url, Version::kOld, 9);
  lost.Begin();
  ASSERT_TRUE(WaitUntil([&] { return lost.acked() >= 1; }, kAsyncWait)) << lost.error();
  lost.Stop();
  MustRun(first_lock, "ROLLBACK");
  ASSERT_TRUE(WaitUntil([&] { return CursorRows(pair.primary_url) == 2000; }, kAsyncWait));

  ASSERT_TRUE(pair.primary->Stop(StopMode::kCrash).ok());
  EXPECT_EQ(zs::testing::WaitExitCode(runner.pid), 1);
  ASSERT_TRUE(pair.standby->Promote().ok());
  const std::string& url = pair.standby_url;

  nlohmann::json status = StatusJson(url);
  ASSERT_TRUE(status["active"].is_object()) << status.dump();
  EXPECT_EQ(status["active"]["step"], "backfilling") << status.dump();
  EXPECT_EQ(status["active"]["backfill"][0]["rows_done"], 1000) << status.dump();
  EXPECT_EQ(status["active"]["backfill"][0]["state"], "interrupted") << status.dump();
  // The data agrees with the cursor: rows up to 1000 backfilled, later ones not.
  const std::string backfilled = fmt::format(
      "SELECT count(*) FILTER (WHERE first_name IS NOT NULL) FROM {}.users WHERE id <= {}",
      kNewVersion, kRows);
  EXPECT_EQ(Value(url, backfilled), "1000");
  // Asynchronous: the acknowledged write after the cut did not survive.
  for (const Write& w : lost.Acked()) {
    EXPECT_EQ(Value(url, fmt::format("SELECT count(*) FROM public.users WHERE name = {}",
                                     Quoted(w.first + " " + w.last))),
              "0");
  }

  ProcessRun backfill = Zeroshift(url, {"backfill", "--quiet"});
  ASSERT_EQ(backfill.exit_code, 0) << backfill.err;
  EXPECT_EQ(Value(url, backfilled), std::to_string(kRows));
  ProcessRun verify = Zeroshift(url, {"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  ProcessRun complete = Zeroshift(url, {"complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  EXPECT_EQ(Value(url,
                  "SELECT count(*) FILTER (WHERE first_name = 'First' || id AND last_name = "
                  "'Last' || id) FROM public.users"),
            std::to_string(kRows));
}

// `complete` is killed after its k-th action on the primary, the standby
// receives that much and stops streaming, then complete finishes on the
// primary alone. On the promoted standby the migration is part-way through
// complete exactly as the killed run left it (state and catalog, as one
// dump), status says so, and re-running complete there finishes it. Every
// boundary of complete, on one primary, a standby each.
TEST(FailoverAsyncTest, CompleteRecordsTheStandbyMissedAreRedone) {
  Result<std::unique_ptr<TempCluster>> primary = TempCluster::Start();
  ASSERT_TRUE(primary.ok()) << primary.status().ToString();
  MigrationFile file;
  int boundaries = 0;
  for (int boundary = 1; boundary < 50; ++boundary) {
    SCOPED_TRACE(fmt::format("standby cut after complete's boundary {}", boundary));
    Result<std::string> url = (*primary)->CreateDatabase(fmt::format("app_{}", boundary));
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    CreateUsersAt(*url, 300);
    ASSERT_EQ(Zeroshift(*url, {"init"}).exit_code, 0);
    ProcessRun start = Zeroshift(*url, StartArgs(file));
    ASSERT_EQ(start.exit_code, 0) << start.err;
    pg::Connection conn = Open(*url);
    MustRun(conn, "INSERT INTO public.users (name) VALUES ('Before Failover')");

    Result<std::unique_ptr<TempCluster>> standby = (*primary)->StartStandby();
    ASSERT_TRUE(standby.ok()) << standby.status().ToString();
    ProcessRun killed = Zeroshift(*url, {"complete"}, fmt::format("complete:{}", boundary));
    if (killed.exit_code == 0) break;  // complete has fewer boundaries: all were tried
    ASSERT_EQ(killed.exit_code, -1) << killed.err;
    ASSERT_TRUE((*standby)->WaitForReplay(**primary).ok());
    ASSERT_TRUE((*standby)->DisconnectFromPrimary().ok());
    const std::string at_cut = CatalogDump(conn);
    // Killed after its last commit, complete has nothing left to do.
    ProcessRun finished = Zeroshift(*url, {"complete"});
    if (finished.err.find("no migration is active") == std::string::npos) {
      ASSERT_EQ(finished.exit_code, 0) << finished.err;
    }
    ASSERT_TRUE((*standby)->Promote().ok());
    const std::string replica = (*standby)->Url(fmt::format("app_{}", boundary));

    pg::Connection promoted = Open(replica);
    EXPECT_EQ(CatalogDump(promoted), at_cut);
    nlohmann::json status = StatusJson(replica);
    if (status["active"].is_null()) {
      // Killed after its last commit: complete was over before the cut.
      EXPECT_EQ(status["status"], "complete") << status.dump();
    } else {
      EXPECT_EQ(status["active"]["step"], "completing") << status.dump();
      EXPECT_NE(status["active"]["next"].get<std::string>().find("re-run `zeroshift complete`"),
                std::string::npos)
          << status.dump();
      ProcessRun rerun = Zeroshift(replica, {"complete"});
      ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    }
    EXPECT_EQ(Value(replica,
                    "SELECT count(*) FILTER (WHERE first_name = 'First' || id AND "
                    "last_name = 'Last' || id) || '/' || count(*) || ' ' || "
                    "count(*) FILTER (WHERE first_name = 'Before' AND last_name = "
                    "'Failover') FROM public.users"),
              "300/301 1");
    EXPECT_EQ(Value(replica, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '~zs%'"), "0");
    EXPECT_EQ(Value(replica,
                    "SELECT count(*) FROM pg_attribute WHERE attrelid = "
                    "'public.users'::regclass AND attname LIKE '\\_zs\\_%' AND "
                    "NOT attisdropped"),
              "0");
    ++boundaries;
  }
  EXPECT_GT(boundaries, 1);
  std::printf("complete's boundaries cut on a standby and redone: %d\n", boundaries);
}

}  // namespace
}  // namespace zs::engine::failover
