// Runs a migration's phases against a database: start (expand, dual write,
// backfill, new version), complete (contract) and rollback. Owns the advisory
// lock for the whole command and records every step in the state schema.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "backend/postgres_backend.h"
#include "backfill/backfill.h"
#include "backfill/verify.h"
#include "core/status.h"
#include "ddl/runner.h"
#include "engine/planner.h"
#include "engine/status_report.h"
#include "migration/migration.h"
#include "pg/connection.h"
#include "pg/ddl_runner.h"
#include "sqlcheck/checker.h"
#include "state/state_store.h"

namespace zs::engine {

class EngineSteps;  // engine_steps.h

struct Options {
  std::string schema = "public";
  pg::RetryPolicy retry;
  backfill::Options backfill;
  // Receives one line per step for the user ("  add_column:users.first_name:add").
  std::function<void(const std::string&)> log;
  // Called as each phase begins: "expand", "dual_write" (triggers and the new
  // version schema), "backfill", "contract" and "rollback". It may block: the
  // lab holds the engine between steps until the user asks for the next one.
  std::function<void(std::string_view phase)> on_phase;
};

class Engine {
 public:
  // Connects and pins the session settings. Does not take the lock yet.
  static Result<Engine> Connect(const std::string& conninfo, Options options);

  Engine(Engine&&) = default;

  // What Connect would work on, without connecting: the backend the URL's
  // scheme picks and the schema it migrates (`schema` is the --schema
  // option; on MariaDB the URL's database, which it may only repeat).
  struct Target {
    const backend::Backend* backend = nullptr;
    std::string schema;
  };
  static Result<Target> TargetOf(const std::string& conninfo, const std::string& schema);

  // Creates the state schema (idempotent). Existing tables need nothing more:
  // they are read from the catalogs.
  Status Init();

  // The plan of `migration` against the live schema, read-only.
  Result<Plan> PlanMigration(const migration::Migration& migration);

  // The plan of `migration`, built inside a READ ONLY transaction so that
  // nothing can change (`zeroshift validate`).
  Result<Plan> ValidateMigration(const migration::Migration& migration);

  // Expand, dual write, backfill, new version. Re-running start for the active
  // migration resumes an interrupted backfill.
  Status Start(const migration::Migration& migration);
  // Starts `migrations` (in order) as ONE version, for a release that carries
  // several of them: their operations run as one migration would (each sees
  // the virtual schema the previous ones left), one backfill, one version
  // schema named after the LAST migration (its name or version_schema), one
  // complete or rollback. The state row is named after the last migration and
  // holds the combined operations; its `parts` keep each migration's name and
  // content, so the history still lists every file (`pull` writes them back
  // one by one, `migrate` sees each as applied). One migration: Start.
  Status StartSingleVersion(const std::vector<migration::Migration>& migrations);
  // Resumes the active migration's interrupted backfill (step backfilling),
  // without the migration file: `zeroshift backfill`.
  Status Backfill();
  // Changes the active migration's backfill control row (pause, resume,
  // retune); a running backfill applies it before its next batch. Takes no
  // lock: the running backfill holds it. Returns the row as stored.
  Result<state::BackfillControl> ControlBackfill(
      const std::function<void(state::BackfillControl&)>& change);
  Status Complete();
  Status Rollback();

  // Checks, read-only and in batches, that every row of the active migration's
  // tables agrees with its `up` (and `down`) expressions (engine_verify.cc).
  // `migration` "" means the active one; another name must be the active one.
  Result<backfill::VerifyReport> Verify(const std::string& migration,
                                        const backfill::VerifyOptions& options);

  // Records the live schema as the completed baseline migration `name`: no
  // operations, no version schema; the history before it no longer counts
  // and later migrations build on it. Refused while a migration is active.
  Result<state::MigrationRecord> Baseline(const std::string& name);

  // Fails with a message that says to run `zeroshift init` when not initialised.
  Status RequireInitialized();
  // Every state row of the schema, oldest first (none when not initialised).
  Result<std::vector<state::MigrationRecord>> History();

  // Schema, active migration and its step, backfill progress, latest version
  // (engine_status.cc); `zeroshift status` prints it as JSON (cli/status_json.h).
  Result<StatusReport> ReadStatus();
  // The version schema new clients should use ("" when none).
  Result<std::string> LatestVersionSchema();

  // What a client runs to use `version` (a version schema, or the schema
  // itself): PostgreSQL `SET search_path TO version, schema`; MariaDB `USE
  // version; SET @zeroshift_version = 'version'` (the dual-write triggers read
  // the variable: a new-version client without it is refused by their guard).
  std::string ClientSql(const std::string& version) const;
  // The version old clients keep while the active migration runs, or, with
  // none active, the one the next migration keeps for them; "" for the
  // tables themselves.
  Result<std::string> OldClientsVersion();

  // PostgreSQL only: the session's connection, for PostgreSQL-only tools
  // (pg/pooler.h, pg/privileges.h). REQUIRES: backend().kind() is kPostgres.
  pg::Connection& connection() { return backend::PostgresConnection(*session_); }
  // The session every concern behind the backend seam is reached through,
  // and the backend it speaks to (chosen from the URL's scheme).
  backend::Session& session() { return *session_; }
  const backend::Backend& backend() const { return session_->backend(); }
  const std::string& schema() const { return options_.schema; }

 private:
  // What differs per database is reached through steps_ (engine_steps.h);
  // its implementations run the engine's steps with its members.
  friend class PostgresEngineSteps;
  friend class MariadbEngineSteps;

  Engine(std::unique_ptr<backend::Session> session, Options options);

  Status Lock();
  Status StartRecorded(const migration::Migration& migration,
                       std::vector<state::MigrationPart> parts);
  // Stores the catalog as it is now with the migration's state row.
  Status RecordLiveSchema(const std::string& name);
  Result<PlanInput> MakePlanInput(const migration::Migration& migration);
  // PlanMigration without the round-trip warnings (which sample live rows):
  // what validate builds inside its READ ONLY transaction.
  Result<Plan> PlanWithoutRoundTrips(const migration::Migration& migration);
  // Adds a warning per `up`/`down` pair that loses data on sampled live rows.
  Status AddRoundTripWarnings(Plan& plan);
  Status CheckTypesExist(const migration::Migration& migration, const Operations& operations);
  Status RunActions(const std::vector<ops::Action>& actions, const std::string& last_extra_sql);
  Status RunAction(const ops::Action& action, const std::string& same_transaction_sql = "");
  // Runs the actions of record's current step from record.actions_done on,
  // recording each; `last_extra_sql` commits with the last.
  Status RunRecordedActions(const state::MigrationRecord& record,
                            const std::vector<ops::Action>& actions,
                            const std::string& last_extra_sql);
  Status RunBackfill(const state::MigrationRecord& record, const Plan& plan);
  // What the user's own BEFORE triggers are, per table, where the dual write
  // must follow them (MariaDB's FOLLOWS; PostgreSQL orders by name).
  Status FillUserTriggers(PlanInput& input, const schema::Schema& base);
  // Runs `sql`, which may hold several statements: PostgreSQL as one
  // transaction, MariaDB one statement at a time (state bookkeeping only).
  Status RunStateSql(const std::string& sql);

  // The active migration's file and operations, rebuilt from its state row
  // (the snapshots are the record's own, parsed by state::LoadMigration).
  struct Loaded {
    migration::Migration migration;
    Operations operations;
    std::vector<schema::Schema> snapshots;
    PlanInput input;
  };
  Result<std::unique_ptr<Loaded>> LoadActive(const state::MigrationRecord& record);
  Result<state::MigrationRecord> RequireActive();
  Result<std::vector<BackfillStatus>> ReadBackfillStatus(const state::MigrationRecord& active);
  void Log(const std::string& line) const;
  void EnterPhase(std::string_view phase) const;

  // Heap-allocated so the references held by state_ and runner_ survive moves.
  std::unique_ptr<backend::Session> session_;
  // This backend's steps (EngineStepsFor): static, never null.
  const EngineSteps* steps_ = nullptr;
  Options options_;
  std::unique_ptr<state::StateStore> state_;
  std::unique_ptr<ddl::Runner> runner_;
  // Checks the user's SQL in the backend's dialect (the operations get it
  // through PlanInput::checker).
  std::unique_ptr<sqlcheck::ExpressionChecker> checker_;
  // The command being run ("start", "complete", "rollback", "backfill"):
  // names the crash points of engine/fault_injection.h.
  std::string_view command_;
};

}  // namespace zs::engine
