// Runs a migration's phases against a database: start (expand, dual write,
// backfill, new version), complete (contract) and rollback. Owns the advisory
// lock for the whole command and records every step in the state schema.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "backfill/backfill.h"
#include "backfill/verify.h"
#include "core/status.h"
#include "engine/planner.h"
#include "migration/migration.h"
#include "pg/connection.h"
#include "pg/ddl_runner.h"
#include "state/state_store.h"

namespace zs::engine {

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

  // Creates the state schema (idempotent). Existing tables need nothing more:
  // they are read from the catalogs.
  Status Init();

  // The plan of `migration` against the live schema, read-only.
  Result<Plan> PlanMigration(const migration::Migration& migration);

  // Expand, dual write, backfill, new version. Re-running start for the active
  // migration resumes an interrupted backfill.
  Status Start(const migration::Migration& migration);
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

  // Schema, active migration and its step, backfill progress, latest version.
  Result<nlohmann::json> StatusJson();
  // The version schema new clients should use ("" when none).
  Result<std::string> LatestVersionSchema();

  pg::Connection& connection() { return *conn_; }

 private:
  Engine(std::unique_ptr<pg::Connection> conn, Options options);

  Status Lock();
  Result<PlanInput> MakePlanInput(const migration::Migration& migration);
  Status CheckTypesExist(const migration::Migration& migration, const Operations& operations);
  Status RunActions(const std::vector<ops::Action>& actions, const std::string& last_extra_sql);
  Status RunAction(const ops::Action& action, const std::string& same_transaction_sql = "");
  Status RunBackfill(const state::MigrationRecord& record, const Plan& plan);
  struct Loaded {
    migration::Migration migration;
    Operations operations;
    std::vector<schema::Schema> snapshots;
    PlanInput input;
  };
  Result<std::unique_ptr<Loaded>> LoadActive(const state::MigrationRecord& record);
  Result<state::MigrationRecord> RequireActive();
  Result<nlohmann::json> BackfillJson(const state::MigrationRecord& active);
  void Log(const std::string& line) const;
  void EnterPhase(std::string_view phase) const;

  // Heap-allocated so the references held by state_ and runner_ survive moves.
  std::unique_ptr<pg::Connection> conn_;
  Options options_;
  std::unique_ptr<state::StateStore> state_;
  std::unique_ptr<pg::DdlRunner> runner_;
};

}  // namespace zs::engine
