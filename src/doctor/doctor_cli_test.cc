// zeroshift doctor against a real PostgreSQL: another zeroshift process's
// lock, retries behind a table lock, and the command line's exit codes, text
// and JSON.
#include "doctor/doctor_test_util.h"

namespace zs::doctor::doctor_test {
namespace {

TEST_F(DoctorTest, RefusesWhileAnotherZeroshiftProcessHoldsTheLock) {
  pg::Connection other = Open(url_);
  MustRun(other, "SELECT pg_advisory_lock(hashtext('zeroshift:public'))");
  Result<Report> diagnose = doctor::Diagnose(*conn_, "public");
  ASSERT_FALSE(diagnose.ok());
  EXPECT_EQ(diagnose.status().code(), Code::kConflict);
  Result<Report> fix = doctor::Fix(*conn_, "public", pg::RetryPolicy{});
  ASSERT_FALSE(fix.ok());
  EXPECT_EQ(fix.status().code(), Code::kConflict);
  MustRun(other, "SELECT pg_advisory_unlock(hashtext('zeroshift:public'))");
  // Fix releases the lock it took, so the engine can run right after it.
  EXPECT_TRUE(Fix().findings.empty());
  Init();
  Start("02_split_name", zs::testing::kSplitNameYaml);
}

// A dual-write trigger that cannot be dropped at once: the fix waits under
// lock_timeout, retries, and succeeds when the blocker ends.
TEST_F(DoctorTest, FixRetriesBehindALockAndSucceeds) {
  Init();
  MustRun(*conn_, "ALTER TABLE scores ADD COLUMN \"_zs_new_score\" integer");
  Plant(engine::kObjColumn, "public", "scores", "_zs_new_score");
  pg::Connection blocker = Open(url_);
  MustRun(blocker, "BEGIN; SELECT * FROM scores;");  // ACCESS SHARE until COMMIT
  // The blocker commits once the fix's DROP waits on its lock (event-ordered:
  // any lock wait in this database is the fix's, nothing else runs here).
  std::thread release([&blocker, url = url_] {
    pg::Connection watcher = Open(url);
    bool waited = zs::testing::WaitUntil(
        [&watcher] {
          auto rows = watcher.Exec(
              "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
              "AND wait_event_type = 'Lock'");
          return rows.ok() && !rows->empty();
        },
        std::chrono::minutes(2));
    EXPECT_TRUE(waited) << "the fix never waited on the blocker's lock";
    (void)blocker.Run("COMMIT");
  });
  pg::RetryPolicy policy{.lock_timeout = std::chrono::milliseconds(100),
                         .max_attempts = 30,
                         .initial_backoff = std::chrono::milliseconds(50),
                         .max_backoff = std::chrono::milliseconds(200)};
  Result<Report> fixed = doctor::Fix(*conn_, "public", policy);
  release.join();
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ(fixed->fixed.size(), 1u) << fixed->ToText();
  EXPECT_TRUE(fixed->findings.empty());
}

TEST_F(DoctorTest, CommandLineExitCodesTextAndJson) {
  using zs::testing::RunBinary;
  ASSERT_EQ(RunBinary({"init", "--postgres-url", url_}).exit_code, 0);
  auto clean = RunBinary({"doctor", "--postgres-url", url_});
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_NE(clean.out.find("no half-applied zeroshift objects found"), std::string::npos)
      << clean.out;

  MustRun(*conn_,
          "ALTER TABLE scores ADD COLUMN \"_zs_new_score\" integer;"
          "CREATE SCHEMA public_ghost;");
  Plant(engine::kObjColumn, "public", "scores", "_zs_new_score");
  Plant(engine::kObjSchema, "public_ghost", "", "public_ghost");
  auto found = RunBinary({"doctor", "--postgres-url", url_});
  EXPECT_EQ(found.exit_code, 1) << found.err;
  EXPECT_NE(found.out.find("column \"public\".\"scores\".\"_zs_new_score\""), std::string::npos)
      << found.out;
  EXPECT_NE(found.out.find("fix: ALTER TABLE \"public\".\"scores\" DROP COLUMN IF EXISTS"),
            std::string::npos)
      << found.out;
  EXPECT_NE(found.err.find("2 half-applied objects"), std::string::npos) << found.err;

  auto json = RunBinary({"doctor", "--json", "--postgres-url", url_});
  EXPECT_EQ(json.exit_code, 1);
  nlohmann::json parsed = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << json.out;
  EXPECT_EQ(parsed["findings"].size(), 2u);
  EXPECT_EQ(parsed["findings"][0]["kind"], kVersionSchema);  // fixed first: views pin columns
  EXPECT_EQ(parsed["findings"][1]["kind"], kTemporaryColumn);

  auto fix = RunBinary({"doctor", "--fix", "--postgres-url", url_});
  EXPECT_EQ(fix.exit_code, 0) << fix.out << fix.err;
  EXPECT_NE(fix.out.find("fixed: column"), std::string::npos) << fix.out;
  auto again = RunBinary({"doctor", "--postgres-url", url_});
  EXPECT_EQ(again.exit_code, 0) << again.out;

  pg::Connection other = Open(url_);
  MustRun(other, "SELECT pg_advisory_lock(hashtext('zeroshift:public'))");
  auto busy = RunBinary({"doctor", "--fix", "--postgres-url", url_});
  EXPECT_EQ(busy.exit_code, 3) << busy.err;
  EXPECT_NE(busy.err.find("another zeroshift process"), std::string::npos) << busy.err;
}

}  // namespace
}  // namespace zs::doctor::doctor_test
