// zeroshift doctor against a real PostgreSQL, no false positives: healthy
// databases (also with an active migration) give no finding, a caller's
// search_path never runs in doctor, and objects zeroshift did not record are
// never reported or dropped. The fixture: doctor_test_util.h; leftovers:
// doctor_leftovers_test.cc; the active migration: doctor_active_test.cc; the
// lock and the command line: doctor_cli_test.cc.
#include "doctor/doctor_test_util.h"

namespace zs::doctor::doctor_test {
namespace {

TEST_F(DoctorTest, HealthyDatabaseThroughStartCompleteAndRollbackHasNoFindings) {
  EXPECT_TRUE(Diagnose().findings.empty());  // not even initialised
  Init();
  EXPECT_TRUE(Diagnose().findings.empty());

  Start("02_split_name", zs::testing::kSplitNameYaml);
  Report active = Diagnose();
  EXPECT_EQ(active.active_migration, "02_split_name");
  EXPECT_TRUE(active.findings.empty()) << active.ToText();
  Complete();
  EXPECT_TRUE(Diagnose().findings.empty()) << Diagnose().ToText();

  // Temporary column, NOT NULL check, two tables' triggers at once.
  Start("03_score", kAlterScore);
  EXPECT_EQ(Value("SELECT count(*) FROM pg_attribute WHERE attname = '_zs_new_score'"), "1");
  Report alter = Diagnose();
  EXPECT_TRUE(alter.findings.empty()) << alter.ToText();
  Rollback();
  EXPECT_TRUE(Diagnose().findings.empty()) << Diagnose().ToText();

  Start("03_score", kAlterScore);
  Complete();
  Report after = Diagnose();
  EXPECT_TRUE(after.findings.empty()) << after.ToText();

  // A unique column: CREATE UNIQUE INDEX CONCURRENTLY at start.
  Start("04_email", kUniqueEmail);
  Report unique = Diagnose();
  EXPECT_TRUE(unique.findings.empty()) << unique.ToText();
  Complete();
  EXPECT_TRUE(Diagnose().findings.empty()) << Diagnose().ToText();

  // Only the latest completed migration's version schema is left, and it is accounted for.
  EXPECT_EQ(Value("SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE "
                  "nspname LIKE 'public\\_%'"),
            "public_04_email");
  // --fix on a healthy database changes nothing.
  Report fixed = Fix();
  EXPECT_TRUE(fixed.fixed.empty());
  EXPECT_TRUE(fixed.findings.empty());
}

// 19.5: doctor pins its session's search_path before its first query, so a
// function that shadows a built-in in a schema the caller's search_path names
// first never runs as zeroshift.
TEST_F(DoctorTest, PinsTheSearchPathOfTheSessionItIsGiven) {
  Init();
  MustRun(*conn_, R"sql(
CREATE TABLE pwned (n int);
CREATE SCHEMA evil;
CREATE FUNCTION evil.to_regclass(text) RETURNS regclass LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.pwned VALUES (1); RETURN pg_catalog.to_regclass($1); END $$;
CREATE FUNCTION evil.count(int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
SET search_path = evil, pg_catalog, public;
)sql");
  Start("01_alter_score", kAlterScore);
  Diagnose();
  Fix();
  EXPECT_EQ(Value("SELECT pg_catalog.count(*) FROM public.pwned"), "0");
  EXPECT_EQ(Value("SELECT pg_catalog.current_schemas(false)::text"), "{public}");
}

// SAFETY.md invariant 3: what zeroshift did not record creating is never
// its own, however it is named: a user's `_zs_x` column, trigger and
// constraint, and a schema `public_2024` of views of public, stay.
TEST_F(DoctorTest, NeverReportsOrDropsUnrecordedLookalikes) {
  Init();
  MustRun(*conn_, R"sql(
ALTER TABLE users ADD COLUMN "_zs_x" text DEFAULT 'keep';
ALTER TABLE users ADD COLUMN "_zs_new_name" text DEFAULT 'keep too';
ALTER TABLE users ADD CONSTRAINT "_zs_name_not_null" CHECK (name IS NOT NULL) NOT VALID;
CREATE INDEX "_zs_dup_users_name" ON users (name);
CREATE FUNCTION zeroshift."_zs_audit"() RETURNS trigger LANGUAGE plpgsql
  AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER "_zs_audit" BEFORE INSERT ON users FOR EACH ROW
  EXECUTE FUNCTION zeroshift."_zs_audit"();
CREATE SCHEMA public_2024;
CREATE VIEW public_2024.users AS SELECT id, name FROM public.users;
)sql");
  Report report = Diagnose();
  EXPECT_TRUE(report.findings.empty()) << report.ToText();
  Report fixed = Fix();
  EXPECT_TRUE(fixed.fixed.empty()) << fixed.ToText();
  EXPECT_EQ(Value("SELECT count(*) FROM public_2024.users"), "50");
  EXPECT_EQ(Value("SELECT count(*) FROM users WHERE \"_zs_x\" = 'keep' AND \"_zs_new_name\" = "
                  "'keep too'"),
            "50");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_trigger WHERE tgname = '_zs_audit'"), "1");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_constraint WHERE conname = '_zs_name_not_null'"), "1");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_class WHERE relname = '_zs_dup_users_name'"), "1");
}

}  // namespace
}  // namespace zs::doctor::doctor_test
