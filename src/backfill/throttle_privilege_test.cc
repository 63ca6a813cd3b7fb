// The backfill's throttle run as a least-privilege role (no pg_read_all_stats,
// as on managed PostgreSQL): another role's long transaction is invisible to
// its probes. The probe counts what it could not see, the backfill prints one
// note naming the grant, and `status` lists the grant in privilege_notes; the
// same role granted pg_read_all_stats sees the transaction and no note.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backfill/postgres_batch.h"
#include "backfill/throttle.h"
#include "testing/seed_migration.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::backfill {
namespace {

namespace fs = std::filesystem;
using zs::testing::MustRun;
using zs::testing::ProcessRun;
using zs::testing::RunBinary;

// Cluster-wide roles, created once: one without, one with pg_read_all_stats.
constexpr const char* kBlindRole = "zs_throttle_blind";
constexpr const char* kStatsRole = "zs_throttle_stats";

std::string ThrottleUrlAs(const std::string& url, const std::string& role) {
  std::string out = url;
  out.replace(out.find("postgres@"), 9, role + "@");
  return out;
}

// A fresh database whose users table both roles own in turn (the blind one
// by default), with CREATE on the database for both: the superuser's URL.
std::string ThrottleDatabase() {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = zs::testing::Open(url);
  for (const char* role : {kBlindRole, kStatsRole}) {
    MustRun(admin, fmt::format("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
                               "'{0}') THEN CREATE ROLE {0} LOGIN NOSUPERUSER NOCREATEDB "
                               "NOCREATEROLE; END IF; END $$",
                               role));
    MustRun(admin,
            fmt::format("GRANT CREATE ON DATABASE {} TO {}", url.substr(url.rfind('/') + 1), role));
  }
  MustRun(admin, fmt::format("GRANT pg_read_all_stats TO {}", kStatsRole));
  MustRun(admin, "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL)");
  MustRun(admin,
          "INSERT INTO users (name) SELECT 'First' || i || ' Last' || i FROM "
          "generate_series(1, 50) AS i");
  MustRun(admin, fmt::format("ALTER TABLE users OWNER TO {}", kBlindRole));
  return url;
}

// The superuser opens a transaction (it has an xid) and leaves it idle in
// this database: a long transaction of another role.
pg::Connection HoldLongTransaction(const std::string& url) {
  pg::Connection holder = zs::testing::Open(url);
  MustRun(holder, "BEGIN");
  MustRun(holder, "SELECT txid_current()");
  return holder;
}

PressureThresholds AnyOpenTransaction() {
  PressureThresholds t;
  t.max_xact_age = std::chrono::milliseconds(1);
  return t;
}

TEST(LeastPrivilegeThrottleTest, TheProbeCountsWhatItCannotSeeAndTheNoteNamesTheGrant) {
  std::string url = ThrottleDatabase();
  pg::Connection holder = HoldLongTransaction(url);
  // Event-ordered: until the superuser's own probe sees the transaction as
  // older than the threshold.
  pg::Connection superuser = zs::testing::Open(url);
  ASSERT_TRUE(zs::testing::WaitUntil(
      [&] {
        auto s = ProbePressure(superuser, "public.users", AnyOpenTransaction());
        return s.ok() && s->long_transactions > 0;
      },
      std::chrono::seconds(60)));

  pg::Connection blind = zs::testing::Open(ThrottleUrlAs(url, kBlindRole));
  Result<PressureSample> unseen = ProbePressure(blind, "public.users", AnyOpenTransaction());
  ASSERT_TRUE(unseen.ok()) << unseen.status().ToString();
  EXPECT_EQ(unseen->long_transactions, 0) << "the blind role cannot see it";
  EXPECT_GE(unseen->hidden_sessions, 1);
  EXPECT_EQ(unseen->role, kBlindRole);
  std::string note = VisibilityNote(*unseen);
  EXPECT_NE(note.find(fmt::format("GRANT pg_read_all_stats TO {}", kBlindRole)), std::string::npos)
      << note;
  EXPECT_NE(note.find("long transactions do not slow the backfill down"), std::string::npos)
      << note;
  // Its state hidden, the session counts as working (--backfill-nice-ratio),
  // and the note says so.
  EXPECT_GE(WorkingClients(*unseen), 1);
  EXPECT_TRUE(ShouldYield(*unseen, 1.0));
  EXPECT_NE(note.find("count as clients working"), std::string::npos) << note;

  // With pg_read_all_stats: the transaction is seen, nothing is hidden.
  pg::Connection stats = zs::testing::Open(ThrottleUrlAs(url, kStatsRole));
  Result<PressureSample> seen = ProbePressure(stats, "public.users", AnyOpenTransaction());
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_GE(seen->long_transactions, 1);
  EXPECT_EQ(seen->hidden_sessions, 0);
  EXPECT_EQ(VisibilityNote(*seen), "");
  // The superuser sees everything too.
  Result<PressureSample> all = ProbePressure(superuser, "public.users", AnyOpenTransaction());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->hidden_sessions, 0);
  MustRun(holder, "ROLLBACK");
}

TEST(LeastPrivilegeThrottleTest, StartPrintsTheNoteOnceAndStatusListsTheGrant) {
  std::string url = ThrottleDatabase();
  std::string as_blind = ThrottleUrlAs(url, kBlindRole);
  fs::path dir =
      fs::temp_directory_path() / fmt::format("zs_throttle_priv_{}", static_cast<long>(getpid()));
  fs::create_directories(dir);
  fs::path file = dir / "02_split_name.yaml";
  std::ofstream(file) << zs::testing::kSplitNameYaml;
  ASSERT_EQ(RunBinary({"init", "--postgres-url", as_blind}).exit_code, 0);

  pg::Connection holder = HoldLongTransaction(url);
  // Small batches: several probes, and still a single note.
  ProcessRun start = RunBinary({"start", file.string(), "--postgres-url", as_blind,
                                "--backfill-max-xact-age", "1", "--backfill-max-rows", "10",
                                "--backfill-min-rows", "5", "--backfill-target-ms", "100000"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  std::string grant = fmt::format("GRANT pg_read_all_stats TO {}", kBlindRole);
  std::string backfill_note = "may not read other roles' activity";
  size_t first = start.err.find(backfill_note);
  ASSERT_NE(first, std::string::npos) << start.err;
  EXPECT_EQ(start.err.find(backfill_note, first + 1), std::string::npos)
      << "printed more than once: " << start.err;
  EXPECT_NE(start.err.find(grant, first), std::string::npos) << start.err;
  MustRun(holder, "ROLLBACK");

  ProcessRun status = RunBinary({"status", "--postgres-url", as_blind});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json json = nlohmann::json::parse(status.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << status.out;
  std::string notes = json["privilege_notes"].dump();
  EXPECT_NE(notes.find(grant), std::string::npos) << notes;
  EXPECT_NE(notes.find("not throttled"), std::string::npos) << notes;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace zs::backfill
