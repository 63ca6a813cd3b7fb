// zeroshift doctor against a real PostgreSQL: leftovers planted by hand and
// left by real migrations whose state was lost are found exactly, --fix
// removes them and a second run is clean; healthy databases (also with an
// active migration) give no finding.
#include "doctor/doctor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "engine/engine.h"
#include "engine/ownership.h"
#include "migration/parser.h"
#include "pg/quote.h"
#include "testing/seed_migration.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::doctor {
namespace {

using zs::testing::MustRun;
using zs::testing::Open;
using Objects = std::set<std::pair<std::string, std::string>>;  // (kind, object)

constexpr const char* kAlterScore = R"yaml(operations:
  - alter_column:
      table: scores
      column: score
      type: integer
      nullable: false
      up: coalesce(CAST(score AS integer), 0)
      down: CAST(score AS text)
)yaml";

constexpr const char* kUniqueEmail = R"yaml(operations:
  - add_column:
      table: users
      up: lower(first_name) || id || '@example.com'
      column: {name: email, type: text, nullable: false, unique: true}
)yaml";

class DoctorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    conn_ = std::make_unique<pg::Connection>(Open(url_));
    MustRun(*conn_,
            "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);"
            "INSERT INTO users (name) SELECT 'First' || i || ' Last' || i "
            "FROM generate_series(1, 50) i;"
            "CREATE TABLE scores (id integer PRIMARY KEY, score text);"
            "INSERT INTO scores VALUES (1, '1'), (2, NULL), (3, '33');");
  }

  // Runs `command` on an engine of its own, closed afterwards: an engine
  // holds the schema's advisory lock for as long as its connection lives,
  // as a zeroshift process does.
  Status WithEngine(const std::function<Status(engine::Engine&)>& command) {
    Result<engine::Engine> engine = engine::Engine::Connect(url_, engine::Options{});
    if (!engine.ok()) return engine.status();
    Status init = engine->Init();
    if (!init.ok()) return init;
    return command(*engine);
  }
  void Init() {
    Status status = WithEngine([](engine::Engine&) { return Status::Ok(); });
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  // Records a hand-planted object in zeroshift.created_objects, as start
  // records what it creates: doctor reports only recorded objects.
  void Plant(const char* kind, const std::string& schema, const std::string& table,
             const std::string& name) {
    engine::ObjectRef ref{.kind = kind, .schema = schema, .table = table, .name = name};
    MustRun(*conn_,
            fmt::format("INSERT INTO zeroshift.created_objects (schema, migration, kind, "
                        "object_schema, table_name, name, object_oid, attnum) SELECT "
                        "'public', 'planted', {}, {}, {}, {}, live.oid, live.attnum FROM "
                        "({}) AS live(oid, attnum)",
                        pg::QuoteLiteral(kind), pg::QuoteLiteral(schema), pg::QuoteLiteral(table),
                        pg::QuoteLiteral(name), engine::IdentitySql(ref)));
  }
  void Start(const std::string& name, const std::string& yaml) {
    Result<migration::Migration> m = migration::ParseMigration(yaml, name + ".yaml");
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    Status status = WithEngine([&](engine::Engine& e) { return e.Start(*m); });
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  void Complete() {
    Status status = WithEngine([](engine::Engine& e) { return e.Complete(); });
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  void Rollback() {
    Status status = WithEngine([](engine::Engine& e) { return e.Rollback(); });
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  Report Diagnose() {
    Result<Report> report = doctor::Diagnose(*conn_, "public");
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    if (!report.ok()) std::abort();
    return std::move(report).value();
  }

  Report Fix() {
    Result<Report> report = doctor::Fix(*conn_, "public", pg::RetryPolicy{});
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    if (!report.ok()) std::abort();
    return std::move(report).value();
  }

  static Objects ObjectsOf(const std::vector<Finding>& findings) {
    Objects out;
    for (const auto& f : findings) out.emplace(f.kind, f.object);
    return out;
  }

  std::string Value(const std::string& sql) {
    Result<pg::Rows> rows = conn_->Exec(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    return rows.ok() && rows->size() == 1 ? rows->Get(0, 0) : "<error>";
  }

  // Every finding's fix names each quoted identifier of its object.
  static void ExpectFixesNameObjects(const Report& report) {
    for (const auto& f : report.findings) {
      if (f.fix_sql.empty() || f.kind == kBackfillState) continue;
      for (size_t open = f.object.find('"'); open != std::string::npos;) {
        size_t close = f.object.find('"', open + 1);
        ASSERT_NE(close, std::string::npos) << f.object;
        std::string token = f.object.substr(open, close - open + 1);
        EXPECT_NE(f.fix_sql.find(token), std::string::npos) << token << " / " << f.fix_sql;
        open = f.object.find('"', close + 1);
      }
    }
  }

  std::string url_;
  std::unique_ptr<pg::Connection> conn_;
};

// ------------------------------------------------------------ no false positives

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

// ------------------------------------------------------- leftovers planted by hand

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

// --------------------------------------------- real migrations whose state was lost

TEST_F(DoctorTest, StartedMigrationWhoseStateRowWasDeletedIsFoundAndRemoved) {
  Init();
  Start("03_score", kAlterScore);
  // The crash: the state row is gone (its cursors and control row with it).
  MustRun(*conn_, "DELETE FROM zeroshift.migrations");
  const Objects expected = {
      {kTrigger, "\"~zs_public_scores_dual_write\" ON \"public\".\"scores\""},
      {kTemporaryColumn, "\"public\".\"scores\".\"_zs_new_score\""},
      {kTemporaryColumn, "\"public\".\"scores\".\"_zs_synced\""},  // the backfill's marker
      {kConstraint, "\"_zs__zs_new_score_not_null\" ON \"public\".\"scores\""},
      {kVersionSchema, "\"public_03_score\""},
  };
  Report report = Diagnose();
  EXPECT_TRUE(report.active_migration.empty());
  EXPECT_EQ(ObjectsOf(report.findings), expected) << report.ToText();
  Report fixed = Fix();
  EXPECT_EQ(ObjectsOf(fixed.fixed), expected) << fixed.ToText();
  EXPECT_TRUE(fixed.findings.empty()) << fixed.ToText();
  EXPECT_TRUE(Diagnose().findings.empty());
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

TEST_F(DoctorTest, ActiveMigrationWithMissingObjectsIsReportedNotGuessed) {
  Init();
  Start("02_split_name", zs::testing::kSplitNameYaml);
  MustRun(*conn_,
          "DROP TRIGGER \"~zs_public_users_dual_write\" ON users;"
          "DROP SCHEMA public_02_split_name CASCADE;");
  Report report = Diagnose();
  EXPECT_EQ(report.active_migration, "02_split_name");
  const Objects expected = {
      {kActiveMigration, "\"~zs_public_users_dual_write\" ON \"public\".\"users\""},
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
  std::thread release([&blocker] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
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

// ------------------------------------------------------------------ the binary

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
}  // namespace zs::doctor
