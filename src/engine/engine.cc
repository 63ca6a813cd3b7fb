// The engine's core: connecting, the lock, planning and validating, and
// running actions (recorded for complete and rollback). The commands are in
// engine_start.cc, engine_complete.cc, engine_history.cc, engine_status.cc
// and engine_verify.cc.
#include "engine/engine.h"

#include <fmt/format.h>

#include <algorithm>

#include "backend/mariadb_backend.h"
#include "engine/baseline_version.h"
#include "engine/engine_checks.h"
#include "engine/fault_injection.h"
#include "engine/ownership.h"
#include "engine/ownership_mariadb.h"
#include "engine/rehearsal.h"
#include "engine/resolve.h"
#include "engine/round_trip.h"
#include "migration/names.h"
#include "migration/parser.h"
#include "pg/pooler.h"
#include "pg/quote.h"
#include "pg/session.h"
#include "sqlcheck/checker.h"
#include "state/load_migration.h"
#include "state/mariadb_state_store.h"
#include "triggers/mariadb_dual_write.h"
#include "versions/version_schema.h"

namespace zs::engine {

namespace {

// Pseudo-types that CREATE TABLE accepts but to_regtype does not know.
bool IsSerialPseudoType(const std::string& type) {
  return type == "serial" || type == "bigserial" || type == "smallserial" || type == "serial4" ||
         type == "serial8" || type == "serial2";
}

// Which drops of complete/rollback actions must target a recorded object.
enum class DropCheck { kNone, kOwnKinds, kAll };

// `action` without the statements that would drop a live object zeroshift
// has no record of creating (kOwnKinds: schemas, triggers and functions
// only; the rest of a complete drops the user's old shape on purpose).
Result<ops::Action> WithoutForeignDrops(pg::Connection& conn, const std::string& schema,
                                        const ops::Action& action, DropCheck check,
                                        const std::function<void(const std::string&)>& log) {
  if (check == DropCheck::kNone || IsUserSql(action)) return action;
  ZS_ASSIGN_OR_RETURN(std::vector<Statement> statements, SplitStatements(action.sql, schema));
  std::string kept;
  bool skipped = false;
  for (const auto& statement : statements) {
    std::string foreign;
    for (const auto& object : statement.drops) {
      bool own_kind =
          object.kind == kObjSchema || object.kind == kObjTrigger || object.kind == kObjFunction;
      if (check == DropCheck::kOwnKinds && !own_kind) continue;
      ZS_ASSIGN_OR_RETURN(
          pg::Rows rows,
          conn.Exec(fmt::format("SELECT {} AND NOT {}", ExistsSql(object), RecordedSql(object))));
      if (rows.GetBool(0, 0)) foreign += (foreign.empty() ? "" : ", ") + object.Describe();
    }
    if (foreign.empty()) {
      kept += (kept.empty() ? "" : "\n") + statement.text;
      continue;
    }
    skipped = true;
    if (log)
      log(
          fmt::format("    skipped: {} was not created by zeroshift (no record of it), so it is "
                      "left alone",
                      foreign));
  }
  if (!skipped) return action;
  ops::Action filtered = action;
  filtered.sql = kept.empty() ? "SELECT 1;" : kept;
  return filtered;
}

// MariaDB: the version the latest completed migration left, which the next
// one keeps for old clients and drops at complete; "" when there is none
// (the baseline version of `zeroshift init` is PostgreSQL's so far).
Result<std::string> MariadbPreviousVersion(state::StateStore& state, const std::string& schema) {
  ZS_ASSIGN_OR_RETURN(auto done, state::LoadLatestDoneMigration(state, schema));
  if (!done || done->baseline) return std::string();
  return done->version_schema;
}

// A complete/rollback action that removes a table's dual write: it, the
// rest of that removal and the ALTER TABLEs right after it on the same table
// (its old columns) run as one group under LOCK TABLES.
bool MariadbStartsGroup(const ops::Action& action) {
  return action.id.find(":drop_dual_write:") != std::string::npos && !action.table.empty();
}

bool MariadbJoinsGroup(const ops::Action& first, const ops::Action& action) {
  return action.table == first.table &&
         (MariadbStartsGroup(action) || action.sql.starts_with("ALTER TABLE "));
}

}  // namespace

Engine::Engine(std::unique_ptr<backend::Session> session, pg::Connection* conn, Options options)
    : conn_(conn),
      session_(std::move(session)),
      options_(std::move(options)),
      state_(state::OpenStateStore(*session_)),
      runner_(ddl::MakeRunner(*session_, options_.retry)),
      checker_(sqlcheck::ExpressionCheckerFor(*session_)) {
  // Captures copies, never `this`: Engine is returned by value and moved, so
  // a captured `this` would dangle by the time a lock wait is retried.
  runner_->OnRetry([log = options_.log, max_attempts = options_.retry.max_attempts](
                       int attempt, std::chrono::milliseconds delay, const Status& error) {
    if (!log) return;
    log(fmt::format("    lock not available (attempt {}/{}): {}; retrying in {} ms", attempt,
                    max_attempts, error.message(), delay.count()));
  });
  runner_->OnNotice([log = options_.log](const std::string& notice) {
    if (log) log("    " + notice);
  });
}

Result<Engine> Engine::Connect(const std::string& conninfo, Options options) {
  ZS_ASSIGN_OR_RETURN(const backend::Backend* backend, backend::SelectBackend(conninfo));
  // Versions in databases of their own: a MariaDB server.
  if (!backend->capabilities().schemas_as_version_namespaces) {
    return ConnectMariadb(*backend, conninfo, std::move(options));
  }
  pg::SessionSettings settings{.lock_timeout = options.retry.lock_timeout,
                               .statement_timeout = options.retry.statement_timeout};
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::OpenOwnSession(conninfo, settings));
  ZS_RETURN_IF_ERROR(pg::PinSearchPath(conn, pg::PinnedSearchPath(options.schema)));
  auto session = std::make_unique<backend::PostgresSession>(std::move(conn));
  pg::Connection* pg_conn = &session->connection();
  return Engine(std::move(session), pg_conn, std::move(options));
}

Result<Engine> Engine::ConnectMariadb(const backend::Backend& backend, const std::string& conninfo,
                                      Options options) {
  // MariaDB's "schema" is a database: the URL's. --schema may only repeat it.
  ZS_ASSIGN_OR_RETURN(mysql::ConnectParams params, mysql::ParseUrl(conninfo));
  if (params.database.empty()) {
    return InvalidInput(
        "the MariaDB URL names no database: write mariadb://user:password@host:port/DATABASE; "
        "zeroshift migrates that database");
  }
  if (options.schema != "public" && options.schema != params.database) {
    return InvalidInput(fmt::format(
        "--schema \"{}\" differs from the URL's database \"{}\": on MariaDB zeroshift migrates "
        "the URL's database; drop --schema or put the database in the URL",
        options.schema, params.database));
  }
  options.schema = params.database;
  ZS_ASSIGN_OR_RETURN(std::unique_ptr<backend::Session> session, backend.Connect(conninfo));
  return Engine(std::move(session), nullptr, std::move(options));
}

void Engine::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

void Engine::EnterPhase(std::string_view phase) const {
  if (options_.on_phase) options_.on_phase(phase);
}

Status Engine::Init() {
  ZS_RETURN_IF_ERROR(state_->Init());
  Log("initialised schema \"zeroshift\"");
  return Status::Ok();
}

Status Engine::Lock() {
  ZS_RETURN_IF_ERROR(state_->RequireInitialized());
  ZS_RETURN_IF_ERROR(state_->AcquireSchemaLock(options_.schema));
  return state_->Upgrade();
}

Result<PlanInput> Engine::MakePlanInput(const migration::Migration& migration) {
  PlanInput input{.migration = &migration,
                  .version_schema = versions::VersionSqlFor(backend()).VersionName(
                      options_.schema, migration.name, migration.version_schema),
                  .backend = &backend()};
  // The backend's checker of user SQL (sqlcheck/checker.h) and resolvers of
  // the names an expression uses (engine/resolve.h), on either database.
  input.checker = checker_.get();
  Resolvers resolvers = MakeResolvers(*session_, options_.schema);
  input.resolve = std::move(resolvers.resolve);
  input.check_stored = std::move(resolvers.check_stored);
  if (conn_ != nullptr) {
    input.server_version_num = conn_->ServerVersion();
    ZS_ASSIGN_OR_RETURN(input.previous_version_schema,
                        PreviousVersionSchema(*session_, options_.schema, migration.name));
  } else {
    ZS_ASSIGN_OR_RETURN(input.previous_version_schema,
                        MariadbPreviousVersion(*state_, options_.schema));
  }
  if (!input.previous_version_schema.empty() &&
      input.previous_version_schema == input.version_schema) {
    return Conflict(fmt::format(
        "migration \"{}\" would create version schema \"{}\", which is the version old clients "
        "use; set another `version_schema` in the migration file",
        migration.name, input.version_schema));
  }
  return input;
}

Status Engine::CheckTypesExist(const migration::Migration& migration,
                               const Operations& operations) {
  for (size_t i = 0; i < operations.size(); ++i) {
    for (const auto& type : operations[i]->TypesUsed()) {
      if (conn_ == nullptr) {
        // MariaDB: the server prepares a temporary table of that type.
        const auto& op = migration.operations[i];
        ZS_RETURN_IF_ERROR(
            checker_->CheckType(type, fmt::format("{} {}", op.location.ToString(), op.kind)));
        continue;
      }
      if (IsSerialPseudoType(type)) continue;
      auto rows = conn_->ExecParams("SELECT to_regtype($1) IS NOT NULL", {type});
      if (!rows.ok() || !rows->GetBool(0, 0)) {
        const auto& op = migration.operations[i];
        return InvalidInput(fmt::format(
            "{} {}: type \"{}\" does not exist in this database; check the spelling or create "
            "the type first",
            op.location.ToString(), op.kind, type));
      }
    }
  }
  return Status::Ok();
}

Result<Plan> Engine::PlanMigration(const migration::Migration& migration) {
  ZS_RETURN_IF_ERROR(CheckNames(migration));
  ZS_ASSIGN_OR_RETURN(Operations operations, MakeOperations(migration));
  ZS_RETURN_IF_ERROR(CheckTypesExist(migration, operations));
  ZS_ASSIGN_OR_RETURN(PlanInput input, MakePlanInput(migration));
  ZS_ASSIGN_OR_RETURN(schema::Schema base, schema::ReadSchema(*session_, options_.schema));
  ZS_RETURN_IF_ERROR(FillUserTriggers(input, base));
  ZS_ASSIGN_OR_RETURN(Plan plan, DryRun(input, operations, std::move(base)));
  ZS_RETURN_IF_ERROR(CheckNamesFree(*session_, options_.schema, migration, plan));
  // Inside validate's READ ONLY transaction (PostgreSQL) it runs after it
  // (ValidateMigration).
  if (conn_ != nullptr && conn_->InTransaction()) return plan;
  ZS_RETURN_IF_ERROR(AddRoundTripWarnings(plan));
  return plan;
}

Status Engine::AddRoundTripWarnings(Plan& plan) {
  ZS_ASSIGN_OR_RETURN(std::vector<std::string> lossy,
                      CheckRoundTrips(*session_, plan.trigger_specs, plan.snapshots));
  plan.warnings.insert(plan.warnings.end(), lossy.begin(), lossy.end());
  return Status::Ok();
}

Status Engine::RunAction(const ops::Action& action, const std::string& same_transaction_sql) {
  Log("  " + action.id);
  std::string bookkeeping = same_transaction_sql;
  if (conn_ == nullptr) {
    // MariaDB: the statement commits by itself; its record follows it, one
    // statement at a time (the runner sends one statement per call).
    // A brief exclusive metadata lock is bounded below a second
    // (max_statement_time); an online build or a scan runs long, so only its
    // lock wait is bounded (lock_wait_timeout).
    Status status = runner_->Run(
        action.sql,
        {.concurrently = action.lock != ops::Lock::kAccessExclusive,
         .before_retry_sql = action.before_retry_sql,
         .locked = {.schema = action.table.empty() ? "" : options_.schema, .name = action.table}});
    if (status.ok()) FaultPoint(command_);
    ZS_RETURN_IF_ERROR(status.WithContext(action.id));
    return RunStateSql(bookkeeping).WithContext(action.id + " (its record)");
  }
  if (command_ == "start" && !IsUserSql(action)) {
    // What a start action creates is recorded under the active migration in
    // the transaction that creates it (right after it for a CONCURRENTLY
    // action), by catalog identity.
    ZS_ASSIGN_OR_RETURN(auto created, CreatedObjects(action.sql, options_.schema));
    std::string record;
    for (const auto& object : created) record += RecordSql(options_.schema, object) + "\n";
    bookkeeping = record + bookkeeping;
  }
  std::string lock_table =
      action.table.empty() ? "" : pg::QualifiedName(options_.schema, action.table);
  Status status = runner_->Run(action.sql, {.concurrently = !action.transactional,
                                            .same_transaction_sql = bookkeeping,
                                            .before_retry_sql = action.before_retry_sql,
                                            .lock_table = lock_table});
  if (status.ok()) FaultPoint(command_);
  return status.WithContext(action.id);
}

Status Engine::RunActions(const std::vector<ops::Action>& actions,
                          const std::string& last_extra_sql) {
  for (size_t i = 0; i < actions.size(); ++i) {
    bool last = i + 1 == actions.size();
    ZS_RETURN_IF_ERROR(RunAction(actions[i], last ? last_extra_sql : ""));
  }
  if (actions.empty() && !last_extra_sql.empty()) return RunStateSql(last_extra_sql);
  return Status::Ok();
}

Status Engine::RunStateSql(const std::string& sql) {
  if (sql.empty()) return Status::Ok();
  if (conn_ != nullptr) return conn_->Run(sql);
  for (const auto& statement : state::MariadbStatements(sql)) {
    ZS_RETURN_IF_ERROR(backend::MariadbConnection(*session_).Run(statement));
  }
  return Status::Ok();
}

Status Engine::RunRecordedActions(const state::MigrationRecord& record,
                                  const std::vector<ops::Action>& actions,
                                  const std::string& last_extra_sql) {
  // Rollback drops only what start recorded creating; complete drops the
  // previous version schema and the triggers only if recorded (the rest of
  // it drops the user's old shape on purpose). A row an older zeroshift
  // started has no records: its objects are found by name as before.
  DropCheck check = command_ == "rollback"   ? DropCheck::kAll
                    : command_ == "complete" ? DropCheck::kOwnKinds
                                             : DropCheck::kNone;
  if (conn_ == nullptr) {
    if (check == DropCheck::kNone) return RunRecordedGroups(record, actions, last_extra_sql);
    std::vector<ops::Action> kept;  // MariaDB: by names and markers (ownership_mariadb.h)
    for (const auto& action : actions) {
      ZS_ASSIGN_OR_RETURN(ops::Action filtered,
                          MariadbWithoutForeignDrops(*session_, action, options_.log));
      kept.push_back(std::move(filtered));
    }
    return RunRecordedGroups(record, kept, last_extra_sql);
  }
  ZS_ASSIGN_OR_RETURN(bool tracked, TracksObjects(*session_, record.schema, record.name));
  if (check == DropCheck::kOwnKinds && tracked) {
    ZS_ASSIGN_OR_RETURN(auto previous, state::LoadLatestDoneMigration(*state_, record.schema));
    if (previous) {
      ZS_ASSIGN_OR_RETURN(tracked, TracksObjects(*session_, record.schema, previous->name));
    }
  }
  if (!tracked) check = DropCheck::kNone;
  // Each action commits with the count of actions done, so a re-run after a
  // crash starts at the first action that had not committed.
  for (size_t i = static_cast<size_t>(record.actions_done); i < actions.size(); ++i) {
    std::string bookkeeping =
        state_->ActionsDoneSql(record.schema, record.name, static_cast<int>(i + 1));
    if (i + 1 == actions.size()) bookkeeping += "\n" + last_extra_sql;
    ZS_ASSIGN_OR_RETURN(ops::Action action, WithoutForeignDrops(*conn_, options_.schema, actions[i],
                                                                check, options_.log));
    ZS_RETURN_IF_ERROR(RunAction(action, bookkeeping));
  }
  if (static_cast<size_t>(record.actions_done) >= actions.size() && !last_extra_sql.empty()) {
    return conn_->Run(last_extra_sql);
  }
  return Status::Ok();
}

Status Engine::FillUserTriggers(PlanInput& input, const schema::Schema& base) {
  if (conn_ != nullptr) return Status::Ok();  // PostgreSQL orders its trigger by name
  mysql::Connection& conn = backend::MariadbConnection(*session_);
  for (const auto& table : base.tables) {
    ZS_ASSIGN_OR_RETURN(mysql::Rows rows, conn.Exec(triggers::MariadbUserTriggersSql(
                                              options_.schema, table.physical_name)));
    if (rows.empty()) continue;
    triggers::UserTriggers& user = input.user_triggers[table.physical_name];
    for (int r = 0; r < rows.size(); ++r) {
      (rows.Get(r, 0) == "INSERT" ? user.before_insert : user.before_update)
          .push_back(rows.Get(r, 1));
    }
  }
  return Status::Ok();
}

Status Engine::RunRecordedGroups(const state::MigrationRecord& record,
                                 const std::vector<ops::Action>& actions,
                                 const std::string& last_extra_sql) {
  // Each action (or group) is followed by its record; a crash between the
  // two repeats it on the re-run, so every statement here is safe to repeat
  // (IF EXISTS). The step itself was recorded (intent) before the first.
  size_t i = static_cast<size_t>(record.actions_done);
  while (i < actions.size()) {
    size_t end = i + 1;
    if (MariadbStartsGroup(actions[i])) {
      while (end < actions.size() && MariadbJoinsGroup(actions[i], actions[end])) ++end;
    }
    std::string bookkeeping =
        state_->ActionsDoneSql(record.schema, record.name, static_cast<int>(end));
    if (end == actions.size()) bookkeeping += "\n" + last_extra_sql;
    if (end == i + 1) {
      ZS_RETURN_IF_ERROR(RunAction(actions[i], bookkeeping));
    } else {
      // The triggers go with the old columns, so no write slips between them.
      std::vector<std::string> statements;
      for (size_t k = i; k < end; ++k) {
        Log("  " + actions[k].id);
        statements.push_back(actions[k].sql);
      }
      Status status =
          runner_->RunGroup({{.schema = options_.schema, .name = actions[i].table}}, statements);
      ZS_RETURN_IF_ERROR(status.WithContext(actions[i].id));
      FaultPoint(command_);
      ZS_RETURN_IF_ERROR(
          RunStateSql(bookkeeping).WithContext(actions[end - 1].id + " (its record)"));
    }
    i = end;
  }
  if (static_cast<size_t>(record.actions_done) >= actions.size()) {
    return RunStateSql(last_extra_sql);
  }
  return Status::Ok();
}

std::string Engine::ClientSql(const std::string& version) const {
  if (!backend().capabilities().schemas_as_version_namespaces) {
    // MariaDB: the version is a database; the triggers read the variable.
    return fmt::format("USE {}; SET @zeroshift_version = {}", backend().QuoteIdentifier(version),
                       backend().QuoteLiteral(version));
  }
  // Quoted as SQL: the line is meant to be pasted into a client.
  return fmt::format("SET search_path TO {}, {}", pg::QuoteIdent(version),
                     pg::QuoteIdent(options_.schema));
}

Result<std::string> Engine::OldClientsVersion() {
  if (conn_ != nullptr) return OldVersionSchema(*session_, options_.schema);
  ZS_ASSIGN_OR_RETURN(bool initialized, state_->IsInitialized());
  if (!initialized) return std::string();
  return MariadbPreviousVersion(*state_, options_.schema);
}

Result<Plan> Engine::ValidateMigration(const migration::Migration& migration) {
  if (conn_ == nullptr) {
    // MariaDB has no READ ONLY transaction around DDL and no rollback of it:
    // the plan is built and checked against the catalog, nothing is rehearsed.
    return PlanMigration(migration);
  }
  ZS_RETURN_IF_ERROR(conn_->Run("BEGIN TRANSACTION READ ONLY"));
  Result<Plan> plan = PlanMigration(migration);
  Status end = conn_->Run("ROLLBACK");
  if (!plan.ok()) return plan;
  ZS_RETURN_IF_ERROR(end);
  // Runs the plan in a transaction that is rolled back (engine/rehearsal.h).
  ZS_ASSIGN_OR_RETURN(Operations operations, MakeOperations(migration));
  ZS_ASSIGN_OR_RETURN(PlanInput input, MakePlanInput(migration));
  ZS_RETURN_IF_ERROR(Rehearse(*session_, options_.schema, input, operations,
                              {.retry = options_.retry, .log = options_.log}));
  ZS_RETURN_IF_ERROR(AddRoundTripWarnings(*plan));
  return plan;
}

Result<state::MigrationRecord> Engine::RequireActive() {
  ZS_ASSIGN_OR_RETURN(auto active, state::LoadActiveMigration(*state_, options_.schema));
  if (!active) {
    return NotFound(
        fmt::format("no migration is active in schema \"{}\"; start one first", options_.schema));
  }
  return *active;
}

Result<std::unique_ptr<Engine::Loaded>> Engine::LoadActive(const state::MigrationRecord& record) {
  // On the heap: loaded.input points into loaded.migration.
  auto owned = std::make_unique<Loaded>();
  Loaded& loaded = *owned;
  ZS_ASSIGN_OR_RETURN(loaded.migration, migration::ParseStoredMigration(record.migration_json,
                                                                        record.name + ".json"));
  loaded.migration.name = record.name;
  ZS_ASSIGN_OR_RETURN(loaded.operations, MakeOperations(loaded.migration));
  if (record.snapshots.empty()) {
    return Internal(fmt::format(
        "the state row of migration \"{}\" has no schema snapshots; run `zeroshift doctor`",
        record.name));
  }
  loaded.snapshots = record.snapshots;
  ZS_ASSIGN_OR_RETURN(loaded.input, MakePlanInput(loaded.migration));
  loaded.input.migration = &loaded.migration;
  loaded.input.version_schema = record.version_schema;
  return owned;
}

}  // namespace zs::engine
