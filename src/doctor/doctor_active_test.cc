// zeroshift doctor against a real PostgreSQL with an active migration: what
// it is missing or where it stopped is reported, never guessed, and --fix
// leaves what it works on alone.
#include "doctor/doctor_test_util.h"

namespace zs::doctor::doctor_test {
namespace {

TEST_F(DoctorTest, ActiveMigrationWithMissingObjectsIsReportedNotGuessed) {
  Init();
  Start("02_split_name", zs::testing::kSplitNameYaml);
  MustRun(*conn_,
          "DROP TRIGGER \"~zs_public_users_dual_write\" ON users;"
          "DROP TRIGGER \"~zs_public_users_dual_write_o\" ON users;"
          "DROP TRIGGER \"~zs_public_users_dual_write_i\" ON users;"
          "DROP SCHEMA public_02_split_name CASCADE;");
  Report report = Diagnose();
  EXPECT_EQ(report.active_migration, "02_split_name");
  const Objects expected = {
      {kActiveMigration, "\"~zs_public_users_dual_write\" ON \"public\".\"users\""},
      {kActiveMigration, "\"~zs_public_users_dual_write_o\" ON \"public\".\"users\""},
      {kActiveMigration, "\"~zs_public_users_dual_write_i\" ON \"public\".\"users\""},
      {kActiveMigration, "\"public_02_split_name\""},
      // The trigger's function is now called by nothing, but it is the active migration's.
      {kTriggerFunction, "\"zeroshift\".\"_zs_public_users_dual_write\"()"},
  };
  EXPECT_EQ(ObjectsOf(report.findings), expected) << report.ToText();
  for (const auto& f : report.findings) {
    EXPECT_EQ(f.active_migration, "02_split_name") << f.object;
    if (f.kind == kActiveMigration) {
      EXPECT_TRUE(f.fix_sql.empty());
      EXPECT_NE(f.reason.find("zeroshift rollback"), std::string::npos) << f.reason;
    }
  }
  // --fix touches nothing of an active migration.
  Report fixed = Fix();
  EXPECT_TRUE(fixed.fixed.empty()) << fixed.ToText();
  ASSERT_EQ(fixed.refused.size(), 1u) << fixed.ToText();
  EXPECT_NE(fixed.refused[0].second.find("is active"), std::string::npos);
  EXPECT_EQ(ObjectsOf(fixed.findings), expected);
  // The advice works: rollback, then nothing is left.
  Rollback();
  EXPECT_TRUE(Diagnose().findings.empty()) << Diagnose().ToText();
}

// Any of the table's three triggers missing is reported on its own: the
// ordinary sessions' UPDATE and INSERT triggers and the replica-mode twin
// the backfill's session fires (postgres_dual_write_origin.h). The others
// still call the function, so it is not reported as called by nothing.
TEST_F(DoctorTest, ActiveMigrationMissingOneOfItsTwoTriggersIsReported) {
  Init();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"~zs_public_users_dual_write_o", "every ordinary session"},
      {"~zs_public_users_dual_write_i", "every ordinary session"},
      {"~zs_public_users_dual_write", "the backfill's"},
  };
  for (const auto& [trigger, serves] : cases) {
    Start("02_split_name", zs::testing::kSplitNameYaml);
    MustRun(*conn_, "DROP TRIGGER \"" + trigger + "\" ON users;");
    Report report = Diagnose();
    const Objects expected = {{kActiveMigration, "\"" + trigger + "\" ON \"public\".\"users\""}};
    EXPECT_EQ(ObjectsOf(report.findings), expected) << report.ToText();
    ASSERT_EQ(report.findings.size(), 1u) << report.ToText();
    EXPECT_NE(report.findings[0].reason.find(serves), std::string::npos)
        << report.findings[0].reason;
    EXPECT_NE(report.findings[0].reason.find("zeroshift rollback"), std::string::npos);
    // The advice works with either one gone.
    Rollback();
    EXPECT_TRUE(Diagnose().findings.empty()) << Diagnose().ToText();
  }
  // A migration started by a zeroshift from before the split: one trigger,
  // ENABLE ALWAYS, serves every session, so no twin is missing.
  Start("02_split_name", zs::testing::kSplitNameYaml);
  MustRun(*conn_,
          "DROP TRIGGER \"~zs_public_users_dual_write_o\" ON users;"
          "DROP TRIGGER \"~zs_public_users_dual_write_i\" ON users;"
          "ALTER TABLE users ENABLE ALWAYS TRIGGER \"~zs_public_users_dual_write\"");
  EXPECT_TRUE(Diagnose().findings.empty()) << Diagnose().ToText();
  Rollback();
  // One from before the INSERT trigger was split off: the ordinary
  // sessions' trigger fires for INSERT OR UPDATE, so no INSERT one is missing.
  Start("02_split_name", zs::testing::kSplitNameYaml);
  MustRun(*conn_,
          "DROP TRIGGER \"~zs_public_users_dual_write_o\" ON users;"
          "DROP TRIGGER \"~zs_public_users_dual_write_i\" ON users;"
          "CREATE TRIGGER \"~zs_public_users_dual_write_o\" BEFORE INSERT OR UPDATE ON users FOR "
          "EACH ROW EXECUTE FUNCTION zeroshift.\"_zs_public_users_dual_write\"()");
  EXPECT_TRUE(Diagnose().findings.empty()) << Diagnose().ToText();
}

TEST_F(DoctorTest, FixSkipsWhatTheActiveMigrationWorksOnAndFixesTheRest) {
  Init();
  Start("02_split_name", zs::testing::kSplitNameYaml);
  MustRun(*conn_,
          "ALTER TABLE users ADD COLUMN \"_zs_new_name\" text;"       // on the active's table
          "ALTER TABLE scores ADD COLUMN \"_zs_new_score\" integer;"  // unrelated table
          "CREATE SCHEMA public_ghost;");
  Plant(engine::kObjColumn, "public", "users", "_zs_new_name");
  Plant(engine::kObjColumn, "public", "scores", "_zs_new_score");
  Plant(engine::kObjSchema, "public_ghost", "", "public_ghost");
  Report report = Diagnose();
  ASSERT_EQ(report.findings.size(), 3u) << report.ToText();
  Report fixed = Fix();
  EXPECT_EQ(ObjectsOf(fixed.fixed),
            (Objects{{kTemporaryColumn, "\"public\".\"scores\".\"_zs_new_score\""},
                     {kVersionSchema, "\"public_ghost\""}}))
      << fixed.ToText();
  EXPECT_EQ(ObjectsOf(fixed.findings),
            (Objects{{kTemporaryColumn, "\"public\".\"users\".\"_zs_new_name\""}}));
  EXPECT_NE(fixed.ToText().find("not fixed"), std::string::npos) << fixed.ToText();
  // The active migration is untouched and completes.
  Complete();
  Report last = Fix();
  EXPECT_TRUE(last.findings.empty()) << last.ToText();
}

TEST_F(DoctorTest, StartStoppedDuringExpandIsReported) {
  Init();
  Start("02_split_name", zs::testing::kSplitNameYaml);
  MustRun(*conn_, "UPDATE zeroshift.migrations SET step = 'starting'");
  Report report = Diagnose();
  ASSERT_EQ(report.findings.size(), 1u) << report.ToText();
  EXPECT_EQ(report.findings[0].kind, kActiveMigration);
  EXPECT_NE(report.findings[0].reason.find("zeroshift rollback"), std::string::npos);
  MustRun(*conn_, "UPDATE zeroshift.migrations SET step = 'completing'");
  report = Diagnose();
  ASSERT_EQ(report.findings.size(), 1u) << report.ToText();
  EXPECT_NE(report.findings[0].reason.find("`zeroshift complete` again"), std::string::npos);
}

TEST_F(DoctorTest, ActiveMigrationWithAnUnknownStepIsReportedNotFatal) {
  Init();
  Start("02_split_name", zs::testing::kSplitNameYaml);
  // A newer zeroshift's step: the loader refuses the row, doctor reports it.
  MustRun(*conn_, "UPDATE zeroshift.migrations SET step = 'validating'");
  Report report = Diagnose();
  EXPECT_EQ(report.active_migration, "02_split_name");
  EXPECT_EQ(report.active_step, "validating");
  // Without the row its objects are not told from strays: --fix leaves them all.
  ASSERT_FALSE(report.findings.empty());
  for (const auto& finding : report.findings) {
    EXPECT_EQ(finding.active_migration, "02_split_name") << report.ToText();
  }
  const Finding& row = report.findings.back();
  EXPECT_EQ(row.kind, kActiveMigration);
  EXPECT_NE(row.reason.find("cannot be read back"), std::string::npos) << report.ToText();
  EXPECT_NE(row.reason.find("\"validating\""), std::string::npos) << report.ToText();
}

}  // namespace
}  // namespace zs::doctor::doctor_test
