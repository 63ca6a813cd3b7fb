// zeroshift doctor against a real PostgreSQL: leftovers planted by hand and
// left by real migrations whose state was lost are found exactly, --fix
// removes them and a second run is clean.
#include "doctor/doctor_test_util.h"

namespace zs::doctor::doctor_test {
namespace {

TEST_F(DoctorTest, FindsExactlyThePlantedLeftoversAndFixRemovesThem) {
  Init();
  MustRun(*conn_, R"sql(
CREATE FUNCTION zeroshift."_zs_public_users_dual_write"() RETURNS trigger LANGUAGE plpgsql
  AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER "_zs_public_users_dual_write" BEFORE INSERT OR UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION zeroshift."_zs_public_users_dual_write"();
CREATE FUNCTION zeroshift."_zs_orphan"() RETURNS trigger LANGUAGE plpgsql
  AS $$BEGIN RETURN NEW; END$$;
ALTER TABLE scores ADD COLUMN "_zs_new_score" integer;
ALTER TABLE scores ADD CONSTRAINT "_zs__zs_new_score_not_null"
  CHECK ("_zs_new_score" IS NOT NULL) NOT VALID;
ALTER TABLE users ADD CONSTRAINT "_zs_name_not_null" CHECK (name IS NOT NULL) NOT VALID;
CREATE SCHEMA public_ghost;
CREATE VIEW public_ghost.users AS SELECT id, name FROM public.users;
CREATE SCHEMA public_empty;
-- Not zeroshift's: a schema with a table, one whose view reads another schema, another base.
CREATE SCHEMA public_data;
CREATE TABLE public_data.keep (id int);
CREATE SCHEMA public_reports;
CREATE VIEW public_reports.tables AS SELECT relname FROM pg_catalog.pg_class;
INSERT INTO zeroshift.migrations (schema, name, migration, version_schema, done, step)
  VALUES ('public', '01_old', '{}', 'public_01_old', true, 'done');
INSERT INTO zeroshift.backfill_cursors (schema, migration, table_name)
  VALUES ('public', '01_old', 'users');
INSERT INTO zeroshift.backfill_control (schema, migration, paused)
  VALUES ('public', '01_old', true);
ALTER TABLE users ADD COLUMN dup int DEFAULT 1;
CREATE INDEX "_zs_dup_users_name" ON users (name);
CREATE INDEX users_name_keep ON users (name);
)sql");
  // Two INVALID indexes: failed CREATE UNIQUE INDEX CONCURRENTLY (duplicates).
  EXPECT_FALSE(conn_->Run("CREATE UNIQUE INDEX CONCURRENTLY users_dup_key ON users (dup)").ok());
  EXPECT_FALSE(conn_->Run("CREATE UNIQUE INDEX CONCURRENTLY \"_zs_dup\" ON users (dup)").ok());
  // What zeroshift would have recorded creating; users_dup_key is someone's.
  Plant(engine::kObjTrigger, "public", "users", "_zs_public_users_dual_write");
  Plant(engine::kObjFunction, "zeroshift", "", "_zs_public_users_dual_write");
  Plant(engine::kObjFunction, "zeroshift", "", "_zs_orphan");
  Plant(engine::kObjColumn, "public", "scores", "_zs_new_score");
  Plant(engine::kObjConstraint, "public", "scores", "_zs__zs_new_score_not_null");
  Plant(engine::kObjConstraint, "public", "users", "_zs_name_not_null");
  Plant(engine::kObjSchema, "public_ghost", "", "public_ghost");
  Plant(engine::kObjSchema, "public_empty", "", "public_empty");
  Plant(engine::kObjIndex, "public", "", "_zs_dup_users_name");
  Plant(engine::kObjIndex, "public", "", "_zs_dup");

  const Objects planted = {
      {kTrigger, "\"_zs_public_users_dual_write\" ON \"public\".\"users\""},
      {kTriggerFunction, "\"zeroshift\".\"_zs_orphan\"()"},
      {kTemporaryColumn, "\"public\".\"scores\".\"_zs_new_score\""},
      {kConstraint, "\"_zs__zs_new_score_not_null\" ON \"public\".\"scores\""},
      {kConstraint, "\"_zs_name_not_null\" ON \"public\".\"users\""},
      {kInvalidIndex, "\"public\".\"users_dup_key\""},
      {kInvalidIndex, "\"public\".\"_zs_dup\""},
      {kIndex, "\"public\".\"_zs_dup_users_name\""},
      {kVersionSchema, "\"public_ghost\""},
      {kVersionSchema, "\"public_empty\""},
      {kBackfillState, "zeroshift.backfill_cursors row (public, 01_old, users)"},
      {kBackfillState, "zeroshift.backfill_control row (public, 01_old)"},
  };
  Report report = Diagnose();
  std::printf("%s", report.ToText().c_str());
  EXPECT_EQ(ObjectsOf(report.findings), planted) << report.ToText();
  ExpectFixesNameObjects(report);
  for (const auto& f : report.findings) {
    EXPECT_FALSE(f.reason.empty()) << f.object;
    EXPECT_TRUE(f.active_migration.empty()) << f.object;
    if (f.kind == kInvalidIndex) {
      // Only the recorded one is zeroshift's, and only it has a fix.
      bool recorded = f.object.find("_zs_") != std::string::npos;
      EXPECT_EQ(f.zeroshift_owned, recorded) << f.object;
      EXPECT_EQ(f.fix_sql.find("DROP INDEX CONCURRENTLY IF EXISTS") != std::string::npos, recorded)
          << f.fix_sql;
      // The statement is the fix of the recorded one, advice in the other's reason.
      EXPECT_NE((f.fix_sql + f.reason).find("DROP INDEX CONCURRENTLY IF EXISTS"),
                std::string::npos);
    }
    if (f.kind == kTrigger) {
      // The trigger's own function goes with it.
      EXPECT_NE(f.fix_sql.find("DROP FUNCTION IF EXISTS \"zeroshift\".\"_zs_public_users_dual"),
                std::string::npos);
    }
  }
  // JSON carries the same.
  nlohmann::json json = report.ToJson();
  EXPECT_EQ(json["findings"].size(), planted.size());
  EXPECT_EQ(json["schema"], "public");

  Report fixed = Fix();
  Objects unrecorded = {{kInvalidIndex, "\"public\".\"users_dup_key\""}};
  Objects recorded = planted;
  recorded.erase(*unrecorded.begin());
  EXPECT_EQ(ObjectsOf(fixed.fixed), recorded) << fixed.ToText();
  EXPECT_TRUE(fixed.refused.empty()) << fixed.ToText();
  EXPECT_EQ(ObjectsOf(fixed.findings), unrecorded) << fixed.ToText();
  MustRun(*conn_, "DROP INDEX users_dup_key");
  EXPECT_TRUE(Diagnose().findings.empty()) << Diagnose().ToText();

  // Gone, and nothing else.
  EXPECT_EQ(
      Value(
          "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '\\_zs\\_%' OR tgname LIKE '~zs\\_%'"),
      "0");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_proc WHERE proname LIKE '\\_zs\\_%'"), "0");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), "0");
  EXPECT_EQ(Value("SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE "
                  "relkind = 'i' AND relname LIKE 'users%'"),
            "users_name_keep,users_pkey");
  EXPECT_EQ(Value("SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE "
                  "nspname LIKE 'public\\_%'"),
            "public_data,public_reports");
  EXPECT_EQ(Value("SELECT count(*) FROM zeroshift.backfill_cursors"), "0");
  EXPECT_EQ(Value("SELECT count(*) FROM zeroshift.migrations"), "1");  // history stays
  EXPECT_EQ(Value("SELECT count(*) FROM users"), "50");
  EXPECT_EQ(Value("SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE "
                  "attrelid = 'scores'::regclass AND attnum > 0 AND NOT attisdropped"),
            "id,score");
}

// A version schema of a migration completed before the latest one: the next
// complete should have dropped it.
TEST_F(DoctorTest, OlderCompletedMigrationsVersionSchemaIsStray) {
  Init();
  Start("02_split_name", zs::testing::kSplitNameYaml);
  Complete();
  Start("03_score", kAlterScore);
  Complete();
  EXPECT_TRUE(Diagnose().findings.empty());
  MustRun(*conn_,
          "CREATE SCHEMA public_02_split_name;"
          "CREATE VIEW public_02_split_name.users AS SELECT id, first_name FROM public.users");
  Plant(engine::kObjSchema, "public_02_split_name", "", "public_02_split_name");
  Report report = Diagnose();
  ASSERT_EQ(report.findings.size(), 1u) << report.ToText();
  EXPECT_EQ(report.findings[0].object, "\"public_02_split_name\"");
  EXPECT_NE(report.findings[0].reason.find("completed before the latest"), std::string::npos)
      << report.findings[0].reason;
  EXPECT_TRUE(Fix().findings.empty());
  EXPECT_EQ(Value("SELECT count(*) FROM pg_namespace WHERE nspname = 'public_02_split_name'"), "0");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_namespace WHERE nspname = 'public_03_score'"), "1");
}

TEST_F(DoctorTest, StartedMigrationWhoseStateRowWasDeletedIsFoundAndRemoved) {
  Init();
  Start("03_score", kAlterScore);
  // The crash: the state row is gone (its cursors and control row with it).
  MustRun(*conn_, "DELETE FROM zeroshift.migrations");
  const Objects expected = {
      {kTrigger, "\"~zs_public_scores_dual_write\" ON \"public\".\"scores\""},
      {kTrigger, "\"~zs_public_scores_dual_write_o\" ON \"public\".\"scores\""},
      {kTrigger, "\"~zs_public_scores_dual_write_i\" ON \"public\".\"scores\""},
      {kTemporaryColumn, "\"public\".\"scores\".\"_zs_new_score\""},
      {kTemporaryColumn, "\"public\".\"scores\".\"_zs_synced\""},  // the backfill's marker
      {kConstraint, "\"_zs__zs_new_score_not_null\" ON \"public\".\"scores\""},
      {kVersionSchema, "\"public_03_score\""},
  };
  Report report = Diagnose();
  EXPECT_TRUE(report.active_migration.empty());
  EXPECT_EQ(ObjectsOf(report.findings), expected) << report.ToText();
  // The three triggers share one function: it is dropped once, after all.
  for (const auto& f : report.findings) {
    if (f.kind != kTrigger) continue;
    bool twin = f.object.find("dual_write_o") != std::string::npos;
    EXPECT_EQ(f.fix_sql.find(
                  "DROP FUNCTION IF EXISTS \"zeroshift\".\"_zs_public_scores_dual_write\"()") !=
                  std::string::npos,
              twin)
        << f.fix_sql;
  }
  Report fixed = Fix();
  EXPECT_EQ(ObjectsOf(fixed.fixed), expected) << fixed.ToText();
  EXPECT_TRUE(fixed.findings.empty()) << fixed.ToText();
  EXPECT_TRUE(Diagnose().findings.empty());
  EXPECT_EQ(Value("SELECT count(*) FROM pg_proc WHERE proname = '_zs_public_scores_dual_write'"),
            "0");
  // The table is exactly as before the migration, data included, and writable.
  EXPECT_EQ(Value("SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ',' "
                  "ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'scores'::regclass AND "
                  "attnum > 0 AND NOT attisdropped"),
            "id integer,score text");
  EXPECT_EQ(Value("SELECT string_agg(id || '=' || coalesce(score, 'NULL'), ',' ORDER BY id) "
                  "FROM scores"),
            "1=1,2=NULL,3=33");
  MustRun(*conn_, "INSERT INTO scores VALUES (4, '44')");
  // The same migration starts again cleanly.
  Start("03_score_again", kAlterScore);
  EXPECT_TRUE(Diagnose().findings.empty()) << Diagnose().ToText();
}

}  // namespace
}  // namespace zs::doctor::doctor_test
