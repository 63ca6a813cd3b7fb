// What the engine does differently on each database, behind one interface:
// opening the session, the plan input's server facts, checking a type,
// validating, running an action and its record, the recorded actions of
// complete and rollback, the user's triggers, and what a client runs to pick
// a version. engine.cc and the commands call these and never test the kind;
// EngineStepsFor is the one place that picks.
//
// PostgreSQL (postgres_engine_steps.cc): DDL and its record commit in one
// transaction, what start creates is recorded by catalog identity, validate
// rehearses in a rolled-back transaction.
// MariaDB (mariadb_engine_steps.cc): DDL commits by itself, so each statement
// is followed by its record and is safe to repeat; contract runs a table's
// trigger and column drops as one LOCK TABLES group; validate cannot
// rehearse (no transactional DDL).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/status.h"
#include "engine/planner.h"
#include "migration/migration.h"
#include "ops/action.h"
#include "schema/schema.h"
#include "state/state_store.h"

namespace zs::engine {

class Engine;
struct Options;

class EngineSteps {
 public:
  virtual ~EngineSteps() = default;

  // The schema the engine migrates for `conninfo` and the --schema option
  // `schema`, without connecting: PostgreSQL `schema`; MariaDB the URL's
  // database, which --schema may only repeat.
  virtual Result<std::string> SchemaFor(const std::string& conninfo,
                                        const std::string& schema) const = 0;

  // Opens the session for `conninfo` (a URL this backend was selected for),
  // pinned as the engine needs it for options.schema (settled by SchemaFor).
  virtual Result<std::unique_ptr<backend::Session>> Open(const backend::Backend& backend,
                                                         const std::string& conninfo,
                                                         const Options& options) const = 0;

  // Fills what the plan needs to know about the server (PostgreSQL: its
  // version number, for the SQL it may use).
  virtual Status FillServerFacts(Engine& engine, PlanInput& input) const = 0;

  // kInvalidInput naming `where` when `type` does not exist on the server.
  virtual Status CheckType(Engine& engine, const std::string& type,
                           const std::string& where) const = 0;

  // The user's BEFORE triggers per table that the dual write must follow
  // (MariaDB: FOLLOWS; PostgreSQL orders its trigger by name: none needed).
  virtual Status FillUserTriggers(Engine& engine, PlanInput& input,
                                  const schema::Schema& base) const = 0;

  // Refuses, before anything runs, a backfill that would fire the user's
  // triggers on `tables` unless allowed (PostgreSQL; MariaDB's batches check
  // them themselves: backfill::TableBatches::CheckUserTriggers), and on
  // MariaDB a backfill it cannot run: a table with no key to walk, or
  // --backfill-workers above 1.
  virtual Status CheckBackfillUserTriggers(Engine& engine, const Plan& dry,
                                           const schema::Schema& base) const = 0;

  // Refuses, before anything runs, a plan that would create an object whose
  // name is taken (engine_checks.h).
  virtual Status CheckNamesFree(Engine& engine, const migration::Migration& migration,
                                const Plan& plan) const = 0;

  // `zeroshift validate`: the plan, checked as far as the database allows.
  virtual Result<Plan> Validate(Engine& engine, const migration::Migration& migration) const = 0;

  // Runs one action; `bookkeeping` (state SQL) commits with it (PostgreSQL)
  // or right after it (MariaDB).
  virtual Status RunAction(Engine& engine, const ops::Action& action,
                           const std::string& bookkeeping) const = 0;

  // Runs state SQL that may hold several statements.
  virtual Status RunStateSql(Engine& engine, const std::string& sql) const = 0;

  // Runs record's complete or rollback actions from record.actions_done on,
  // recording each; `last_extra_sql` commits with the last.
  virtual Status RunRecordedActions(Engine& engine, const state::MigrationRecord& record,
                                    const std::vector<ops::Action>& actions,
                                    const std::string& last_extra_sql) const = 0;

  // State SQL that forgets the records of what a finished (`completed`) or
  // rolled-back migration leaves; "" when there is nothing to forget.
  virtual std::string ForgetObjectsSql(const std::string& schema, const std::string& name,
                                       bool completed) const = 0;

  // What `status` finds missing from the catalog that `active` records
  // (after a failover the two must agree): one line per object, naming it
  // and what to run; empty when they agree.
  virtual Result<std::vector<std::string>> RecordDisagreements(
      Engine& engine, const state::MigrationRecord& active) const = 0;

  // What a client runs to use `version` (Engine::ClientSql).
  virtual std::string ClientSql(const backend::Backend& backend, const std::string& schema,
                                const std::string& version) const = 0;
};

// The one place that picks the implementation, by backend.kind().
const EngineSteps& EngineStepsFor(const backend::Backend& backend);

// The implementations (postgres_engine_steps.cc, mariadb_engine_steps.cc).
const EngineSteps& PostgresSteps();
const EngineSteps& MariadbSteps();

}  // namespace zs::engine
