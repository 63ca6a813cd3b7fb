// The fixture of the lifecycle tests of create_index, drop_index,
// set_replica_identity, rename_constraint, the sql operation's onComplete and
// CONCURRENTLY statements, create_table's full column and constraint set, and
// the plan's locks.
#pragma once

#include <initializer_list>

#include "engine/planner.h"
#include "ops/lifecycle_fixture.h"

namespace zs::ops {

class IndexOpsLifecycle : public OpsLifecycle {
 protected:
  // fruits(id bigint pk, name text not null, price numeric not null) with three rows.
  void CreateFruits() {
    Exec(
        "CREATE TABLE fruits (id bigint PRIMARY KEY, name text NOT NULL, price numeric NOT NULL,"
        " tags text[], doc tsvector, during tstzrange);"
        "INSERT INTO fruits (id, name, price) VALUES (1, 'apple', 1.5), (2, 'banana', 0.5),"
        " (3, 'cherry', 4);");
  }

  // people(id, name with CHECK name_length, email with UNIQUE people_email), two rows.
  void CreatePeople() {
    Exec(
        "CREATE TABLE people (id integer PRIMARY KEY, name varchar(255) NOT NULL CONSTRAINT "
        "name_length CHECK (length(name) > 3), email text CONSTRAINT people_email UNIQUE);"
        "INSERT INTO people VALUES (1, 'Alice', 'a@x'), (2, 'Bobby', 'b@x');");
  }

  // Like Start, but returns start's status instead of failing the test.
  Status TryStart(const std::string& name, const std::string& yaml) {
    auto migration = migration::ParseMigration(yaml, name + ".yaml");
    if (!migration.ok()) return migration.status();
    auto engine = engine::Engine::Connect(url_, engine::Options{});
    if (!engine.ok()) return engine.status();
    engine_.emplace(std::move(engine).value());
    ZS_RETURN_IF_ERROR(engine_->Init());
    baseline_functions_ = StateFunctions();
    version_ = "public_" + name;
    return engine_->Start(*migration);
  }

  // The plan `zeroshift plan` prints for `yaml` against the current database.
  std::string PlanText(const std::string& yaml) {
    auto migration = migration::ParseMigration(yaml, "plan.yaml");
    if (!migration.ok()) Fail("parse", migration.status());
    auto engine = engine::Engine::Connect(url_, engine::Options{});
    if (!engine.ok()) Fail("engine connect", engine.status());
    auto plan = engine->PlanMigration(*migration);
    if (!plan.ok()) Fail("plan", plan.status());
    return engine::FormatPlan(*plan);
  }

  // Every relation, column, constraint, index, replica identity and schema
  // outside the catalogs and zeroshift's own schema, as one hash.
  std::string Fingerprint() {
    return Value(R"sql(
      SELECT md5(coalesce(string_agg(x, '|' ORDER BY x), '')) FROM (
        SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || c.relreplident::text
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'zeroshift')
        UNION ALL
        SELECT a.attrelid::regclass || '.' || a.attname || ':' || format_type(a.atttypid, NULL)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
        UNION ALL
        SELECT conrelid::regclass || ':' || conname || ':' || pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace
        UNION ALL
        SELECT i.indexrelid::regclass || ':' || i.indisvalid || ':' || i.indisreplident
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relnamespace = 'public'::regnamespace
        UNION ALL
        SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'zeroshift'
      ) s(x))sql");
  }

  // Start refuses `yaml`, with a message holding every one of `fragments`,
  // and the database is as it was.
  void ExpectRefused(const std::string& yaml, std::initializer_list<const char*> fragments) {
    std::string before = Fingerprint();
    Status status = TryStart("refused", yaml);
    ASSERT_FALSE(status.ok()) << yaml;
    EXPECT_NE(status.code(), Code::kDatabase)
        << "refused by PostgreSQL, not by validation: " << status.ToString();
    for (const char* fragment : fragments) {
      EXPECT_NE(status.message().find(fragment), std::string::npos)
          << "missing \"" << fragment << "\" in: " << status.message();
    }
    EXPECT_EQ(Fingerprint(), before) << yaml;
    EXPECT_FALSE(SchemaExists("public_refused"));
  }

  // `sql` fails on `conn` with a message holding `fragment`.
  static void ExpectError(pg::Connection& conn, const std::string& sql, const char* fragment) {
    Status status = conn.Run(sql);
    EXPECT_NE(status.message().find(fragment), std::string::npos)
        << sql << ": expected an error with \"" << fragment << "\", got: " << status.ToString();
  }

  std::string IndexDef(const std::string& index) {
    return Value("SELECT pg_get_indexdef(to_regclass('public." + index + "'))");
  }
  // "valid", "INVALID" or "absent".
  std::string IndexState(const std::string& index) {
    return Value(
        "SELECT coalesce((SELECT CASE WHEN indisvalid THEN 'valid' ELSE 'INVALID' END "
        "FROM pg_index WHERE indexrelid = to_regclass('public." +
        index + "')), 'absent')");
  }
  // relreplident of public.`table`, with the identity index for 'i'.
  std::string ReplicaIdentity(const std::string& table) {
    return Value(
        "SELECT c.relreplident::text || coalesce(':' || (SELECT ic.relname FROM pg_index i "
        "JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid AND "
        "i.indisreplident), '') FROM pg_class c WHERE c.oid = 'public." +
        table + "'::regclass");
  }
  std::string ConstraintDef(const std::string& table, const std::string& name) {
    return Value(
        "SELECT coalesce((SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE "
        "conrelid = 'public." +
        table + "'::regclass AND conname = '" + name + "'), 'absent')");
  }
};

}  // namespace zs::ops
