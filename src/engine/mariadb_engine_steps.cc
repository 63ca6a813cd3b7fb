// The engine's steps on MariaDB (engine_steps.h): DDL commits by itself, so
// each statement is followed by its record and is safe to repeat (IF EXISTS,
// IF NOT EXISTS); contract runs a table's trigger and column drops as one
// group under LOCK TABLES ... WRITE; nothing can be rehearsed. Start's
// online rebuild before a backfill (the dual write's `:rebuild` action) is
// decided here when it runs, and skipped when it fails: it only makes the
// backfill faster (backfill/mariadb_batch.h).
#include <fmt/format.h>

#include <optional>

#include "backend/mariadb_backend.h"
#include "backfill/mariadb_batch.h"
#include "ddl/mariadb_runner.h"
#include "engine/engine.h"
#include "engine/engine_checks.h"
#include "engine/engine_steps.h"
#include "engine/fault_injection.h"
#include "engine/ownership_mariadb.h"
#include "engine/ownership_mariadb_records.h"
#include "mysql/connection.h"
#include "state/mariadb_state_store.h"
#include "triggers/mariadb_dual_write.h"

namespace zs::engine {

namespace {

// A complete/rollback action that removes a table's dual write: it, the
// rest of that removal and the actions right after it on the same table
// (the planner puts the table's finalize actions there: its old columns'
// ALTERs, the column swap's ALTER, which a compound statement runs only
// while the temporary column exists, and the CHECK triggers made again over
// the final columns) run as one group under LOCK TABLES. Any of them left
// out would run after UNLOCK TABLES: an old client's write in between would
// land in an old column with no trigger to copy it, and be dropped with it.
bool MariadbStartsGroup(const ops::Action& action) {
  return action.id.find(":drop_dual_write:") != std::string::npos && !action.table.empty();
}

bool MariadbJoinsGroup(const ops::Action& first, const ops::Action& action) {
  if (action.table != first.table) return false;
  if (MariadbStartsGroup(action) || action.sql.starts_with("ALTER TABLE ")) return true;
  // Not the version's views made again after the renames (CREATE OR REPLACE
  // VIEW is refused under LOCK TABLES, 1192: RunGroup's handover makes them
  // from a second session across UNLOCK TABLES), nor a validation or a MODIFY
  // to NOT NULL (kPrepare: before the group, a long scan or an online
  // rebuild that clients write through; they never follow a dual write's
  // removal in the plan, so never join a group).
  if (action.phase != ops::CompletePhase::kFinalize) return false;
  for (const char* table_statement :
       {"BEGIN NOT ATOMIC ", "CREATE OR REPLACE TRIGGER ", "DROP TRIGGER "}) {
    if (action.sql.starts_with(table_statement)) return true;
  }
  return false;
}

// The version's views over `table` made again later in `actions` (from
// `from` on): RunGroup locks them (views) and hands their statements (sql)
// over across its UNLOCK TABLES.
struct MariadbLaterViews {
  std::vector<std::string> sql;
  std::vector<ddl::TableRef> views;
};

MariadbLaterViews MariadbLaterViewsOf(const std::vector<ops::Action>& actions, size_t from,
                                      const std::string& table) {
  constexpr std::string_view kPrefix = "version:";
  constexpr std::string_view kRebind = ":rebind:";
  MariadbLaterViews later;
  for (size_t k = from; k < actions.size(); ++k) {
    const std::string& id = actions[k].id;  // version:<database>:rebind:<view>
    const size_t rebind = id.rfind(kRebind);
    if (actions[k].table != table || !id.starts_with(kPrefix) || rebind == std::string::npos) {
      continue;
    }
    later.sql.push_back(actions[k].sql);
    later.views.push_back({.schema = id.substr(kPrefix.size(), rebind - kPrefix.size()),
                           .name = id.substr(rebind + kRebind.size())});
  }
  return later;
}

// A complete action renaming in place (rename_column's RENAME COLUMN): the
// version's view over its table names the new name only from its rebind, a
// few statements later, so the renames of a table run as a group too, which
// locks the view and hands it over (RunGroup): a new-version client in
// between read the old definition and failed (1356).
bool MariadbIsRenameAlter(const ops::Action& action) {
  return action.phase == ops::CompletePhase::kRename && !action.table.empty() &&
         action.sql.starts_with("ALTER TABLE ");
}

// The end of the group actions[i] starts: a table's dual-write removal and
// finalize actions, or the renames of a table whose view is made again later
// (no view: each rename alone); i + 1 for any other action.
size_t MariadbGroupEnd(const std::vector<ops::Action>& actions, size_t i) {
  size_t end = i + 1;
  if (MariadbStartsGroup(actions[i])) {
    while (end < actions.size() && MariadbJoinsGroup(actions[i], actions[end])) ++end;
  } else if (MariadbIsRenameAlter(actions[i])) {
    while (end < actions.size() && MariadbIsRenameAlter(actions[end]) &&
           actions[end].table == actions[i].table) {
      ++end;
    }
    if (MariadbLaterViewsOf(actions, end, actions[i].table).sql.empty()) end = i + 1;
  }
  return end;
}

// Where the records of migration `name` live (engine/ownership_mariadb_records.h).
MariadbRecordScope MariadbScope(const state::StateStore& store, const std::string& schema,
                                const std::string& name) {
  const auto* mariadb = dynamic_cast<const state::MariadbStateStore*>(&store);
  return {.state_database = mariadb == nullptr ? state::kMariadbStateDatabase : mariadb->database(),
          .schema = schema,
          .migration = name};
}

// The dual write's rebuild before the backfill (triggers/mariadb_dual_write.h).
bool MariadbIsRebuildAction(const ops::Action& action) {
  return action.id.starts_with("trigger:") && action.id.ends_with(":rebuild");
}

// State SQL making the records of the table and indexes start created on
// `table` intents again while a rebuild gives them new InnoDB ids (start's
// rebuild before the backfill; the in-place MODIFY, a COPY ALTER, of a table
// the migration creates): a kill -9 before the record that follows it must
// not leave records that make zeroshift's own table or indexes look replaced
// by someone else (rollback would then leave them). The record after the
// statement sets their ids again.
std::string MariadbRebuildIntentSql(const MariadbRecordScope& scope, const std::string& table) {
  return fmt::format(
      "UPDATE {0}.created_objects SET object_oid = 0, attnum = -1 WHERE `schema` = {1} AND "
      "migration = {2} AND object_schema = {1} AND ((kind = {4} AND table_name = {3}) OR (kind = "
      "{5} AND name = {3})) AND attnum = 0;\n",
      mysql::QuoteIdentifier(scope.state_database), mysql::QuoteLiteral(scope.schema),
      mysql::QuoteLiteral(scope.migration), mysql::QuoteLiteral(table),
      mysql::QuoteLiteral(kObjIndex), mysql::QuoteLiteral(kObjTable));
}

// The column change made in place on a table the same migration creates
// (ops/mariadb_swap.cc, InPlace): a MODIFY that may copy the table.
bool MariadbIsInPlaceAction(const ops::Action& action) { return action.id.ends_with(":in_place"); }

}  // namespace

class MariadbEngineSteps final : public EngineSteps {
 public:
  Result<std::string> SchemaFor(const std::string& conninfo,
                                const std::string& schema) const override {
    // MariaDB's "schema" is a database: the URL's. --schema may only repeat it.
    ZS_ASSIGN_OR_RETURN(mysql::ConnectParams params, mysql::ParseUrl(conninfo));
    if (params.database.empty()) {
      return InvalidInput(
          "the MariaDB URL names no database: write mariadb://user:password@host:port/DATABASE; "
          "zeroshift migrates that database");
    }
    if (schema != "public" && schema != params.database) {
      return InvalidInput(fmt::format(
          "--schema \"{}\" differs from the URL's database \"{}\": on MariaDB zeroshift migrates "
          "the URL's database; drop --schema or put the database in the URL",
          schema, params.database));
    }
    return params.database;
  }

  Result<std::unique_ptr<backend::Session>> Open(const backend::Backend& backend,
                                                 const std::string& conninfo,
                                                 const Options&) const override {
    return backend.Connect(conninfo);
  }

  Status FillServerFacts(Engine&, PlanInput&) const override {
    return Status::Ok();  // the operations' MariaDB SQL does not depend on the version
  }

  Status CheckType(Engine& engine, const std::string& type,
                   const std::string& where) const override {
    // The server prepares a temporary table of that type.
    return engine.checker_->CheckType(type, where);
  }

  Status FillUserTriggers(Engine& engine, PlanInput& input,
                          const schema::Schema& base) const override {
    mysql::Connection& conn = backend::MariadbConnection(*engine.session_);
    for (const auto& table : base.tables) {
      ZS_ASSIGN_OR_RETURN(mysql::Rows rows, conn.Exec(triggers::MariadbUserTriggersSql(
                                                engine.options_.schema, table.physical_name)));
      if (rows.empty()) continue;
      triggers::UserTriggers& user = input.user_triggers[table.physical_name];
      for (int r = 0; r < rows.size(); ++r) {
        (rows.Get(r, 0) == "INSERT" ? user.before_insert : user.before_update)
            .push_back(rows.Get(r, 1));
      }
    }
    return Status::Ok();
  }

  Status CheckBackfillUserTriggers(Engine& engine, const Plan& dry,
                                   const schema::Schema& base) const override {
    // The backfill's batches check the user triggers they would fire
    // (backfill::TableBatches::CheckUserTriggers). What only the backfill
    // would find out, after start's DDL, is refused here, before it runs.
    if (dry.backfill.empty()) return Status::Ok();
    mysql::Connection& conn = backend::MariadbConnection(*engine.session_);
    for (const ops::BackfillTask& task : dry.backfill) {
      // A table this migration creates is empty: nothing to walk.
      if (base.FindPhysicalTable(task.table) == nullptr) continue;
      Result<backfill::MariadbWalk> walk =
          backfill::PlanMariadbWalk(conn, engine.options_.schema, task.table);
      if (!walk.ok()) return walk.status().WithContext(task.reason);
    }
    return Status::Ok();
  }

  Status CheckNamesFree(Engine& engine, const migration::Migration& migration,
                        const Plan& plan) const override {
    ZS_RETURN_IF_ERROR(MariadbCheckVersionDatabaseFree(*engine.session_, migration, plan));
    return MariadbCheckCreatedNamesFree(*engine.session_, engine.options_.schema,
                                        {&plan.expand, &plan.install})
        .WithContext(fmt::format(
            "{}: migration \"{}\"",
            migration.source_file.empty() ? "migration" : migration.source_file, migration.name));
  }

  Result<Plan> Validate(Engine& engine, const migration::Migration& migration) const override {
    // MariaDB has no READ ONLY transaction around DDL and no rollback of it:
    // the plan is built and checked against the catalog, nothing is rehearsed.
    return engine.PlanMigration(migration);
  }

  Status RunAction(Engine& engine, const ops::Action& action,
                   const std::string& bookkeeping) const override {
    // The statement commits by itself; its record follows it, one statement
    // at a time (the runner sends one statement per call). A brief exclusive
    // metadata lock is bounded below a second (max_statement_time); an
    // online build or a scan runs long, so only its lock wait is bounded
    // (lock_wait_timeout). What a start statement creates is recorded around
    // it: the intent before, the identity after (ownership_mariadb_records.h).
    const std::string& schema = engine.options_.schema;
    std::vector<ObjectRef> created;
    std::optional<MariadbRecordScope> scope;
    if (engine.command_ == "start") {
      ZS_ASSIGN_OR_RETURN(auto active, engine.state_->ActiveRow(schema));
      if (active) scope = MariadbScope(*engine.state_, schema, active->name);
      if (scope && !IsUserSql(action)) created = MariadbCreatedObjects(action.sql, schema);
    }
    std::string intent;
    for (const ObjectRef& ref : created) intent += MariadbIntentSql(*scope, ref);
    // Start's rebuild before the backfill may be skipped (RebuildWanted), and
    // only makes the backfill faster: when it fails, the backfill goes on.
    const bool is_rebuild = MariadbIsRebuildAction(action);
    bool skip = false;
    if (is_rebuild) {
      ZS_ASSIGN_OR_RETURN(bool wanted, RebuildWanted(engine, action));
      skip = !wanted;
      if (wanted && scope) intent += MariadbRebuildIntentSql(*scope, action.table);
    }
    if (scope && MariadbIsInPlaceAction(action)) {
      intent += MariadbRebuildIntentSql(*scope, action.table);
    }
    ZS_RETURN_IF_ERROR(RunStateSql(engine, intent).WithContext(action.id + " (its intent)"));
    if (!skip) {
      Status status = engine.runner_->Run(
          action.sql,
          {.concurrently = action.lock != ops::Lock::kAccessExclusive,
           .before_retry_sql = action.before_retry_sql,
           .locked = {.schema = action.table.empty() ? "" : schema, .name = action.table}});
      if (status.ok()) FaultPoint(engine.command_);
      if (!status.ok() && is_rebuild) {
        engine.Log(
            fmt::format("  warning: {} failed, so the backfill fills {} without it, "
                        "slower: {}",
                        action.id, action.table, status.message()));
      } else {
        ZS_RETURN_IF_ERROR(status.WithContext(action.id));
      }
    }
    std::string record;
    if (scope) {
      ZS_ASSIGN_OR_RETURN(record, RecordIdentitiesSql(engine, *scope));
    }
    return RunStateSql(engine, record + bookkeeping).WithContext(action.id + " (its record)");
  }

  Status RunStateSql(Engine& engine, const std::string& sql) const override {
    // State bookkeeping only, one statement at a time.
    if (sql.empty()) return Status::Ok();
    for (const auto& statement : state::MariadbStatements(sql)) {
      ZS_RETURN_IF_ERROR(backend::MariadbConnection(*engine.session_).Run(statement));
    }
    return Status::Ok();
  }

  Status RunRecordedActions(Engine& engine, const state::MigrationRecord& record,
                            const std::vector<ops::Action>& actions,
                            const std::string& last_extra_sql) const override {
    // Each action (or group) is followed by its record; a crash between the
    // two repeats it on the re-run, so every statement here is safe to repeat
    // (IF EXISTS). The step itself was recorded (intent) before the first.
    // Rollback and complete never drop what zeroshift did not create: found
    // by names and markers (ownership_mariadb.h).
    if (engine.command_ == "rollback" || engine.command_ == "complete") {
      MariadbRecordScope scope = MariadbScope(*engine.state_, record.schema, record.name);
      MariadbDropRecords records{.database = engine.options_.schema};
      ZS_ASSIGN_OR_RETURN(records.records,
                          MariadbRecords(backend::MariadbConnection(*engine.session_), scope));
      // A migration started before zeroshift recorded on MariaDB has no
      // records: its drops go by names and markers only, as they did then.
      records.strict = engine.command_ == "rollback" && !records.records.empty();
      std::vector<ops::Action> kept;
      for (const auto& action : actions) {
        ZS_ASSIGN_OR_RETURN(
            ops::Action filtered,
            MariadbWithoutForeignDrops(*engine.session_, action, engine.options_.log, &records));
        kept.push_back(std::move(filtered));
      }
      return RunKeptActions(engine, record, kept, last_extra_sql);
    }
    return RunKeptActions(engine, record, actions, last_extra_sql);
  }

  std::string ForgetObjectsSql(const std::string& schema, const std::string& name,
                               bool) const override {
    // After rollback what is left was not zeroshift's; after complete it is
    // the user's. The engine's store is always the default state database
    // (state::OpenStateStore).
    return MariadbForgetSql(
        {.state_database = state::kMariadbStateDatabase, .schema = schema, .migration = name});
  }

  Result<std::vector<std::string>> RecordDisagreements(
      Engine& engine, const state::MigrationRecord& active) const override {
    // While the objects must exist: not part-way through complete or rollback.
    if (active.step != state::Step::kStarting && active.step != state::Step::kBackfilling &&
        active.step != state::Step::kActive) {
      return std::vector<std::string>{};
    }
    return MariadbRecordProblems(backend::MariadbConnection(*engine.session_),
                                 MariadbScope(*engine.state_, active.schema, active.name),
                                 std::string(state::StepName(active.step)));
  }

  std::string ClientSql(const backend::Backend& backend, const std::string&,
                        const std::string& version) const override {
    // The version is a database; the triggers read the variable.
    return fmt::format("USE {}; SET @zeroshift_version = {}", backend.QuoteIdentifier(version),
                       backend.QuoteLiteral(version));
  }

 private:
  // Whether start's rebuild of action.table runs (backfill::ChooseMariadbRebuild);
  // says why not when it does not.
  static Result<bool> RebuildWanted(Engine& engine, const ops::Action& action) {
    if (engine.command_ != "start") return false;
    if (!engine.options_.backfill.mariadb_rebuild) {
      engine.Log(fmt::format("  {}: skipped (--no-rebuild), the backfill fills {} without it",
                             action.id, action.table));
      return false;
    }
    mysql::Connection& conn = backend::MariadbConnection(*engine.session_);
    const std::string& schema = engine.options_.schema;
    // The columns start added to the table (its records; the marker is the
    // trigger's, left NULL by the backfill): what the backfill fills.
    ZS_ASSIGN_OR_RETURN(auto active, engine.state_->ActiveRow(schema));
    std::vector<std::string> filled;
    if (active) {
      ZS_ASSIGN_OR_RETURN(std::vector<MariadbRecord> records,
                          MariadbRecords(conn, MariadbScope(*engine.state_, schema, active->name)));
      for (const MariadbRecord& record : records) {
        if (record.ref.kind == kObjColumn && record.ref.table == action.table &&
            record.ref.name != triggers::MarkerColumnName()) {
          filled.push_back(record.ref.name);
        }
      }
    }
    ZS_ASSIGN_OR_RETURN(
        backfill::MariadbRebuildChoice choice,
        backfill::DecideMariadbRebuild(conn, schema, action.table, filled,
                                       !engine.options_.backfill.replica_urls.empty()));
    if (!choice.rebuild) {
      engine.Log(fmt::format("  {}: skipped, the backfill fills {} without it: {}", action.id,
                             action.table, choice.reason));
    }
    return choice.rebuild;
  }

  // State SQL giving every record of `scope` the identity its object has now:
  // the first time after the statement that created it, and again after each
  // later start statement, which may have rebuilt its table.
  static Result<std::string> RecordIdentitiesSql(Engine& engine, const MariadbRecordScope& scope) {
    mysql::Connection& conn = backend::MariadbConnection(*engine.session_);
    ZS_ASSIGN_OR_RETURN(std::vector<MariadbRecord> records, MariadbRecords(conn, scope));
    std::string sql;
    for (const MariadbRecord& record : records) {
      ZS_ASSIGN_OR_RETURN(std::optional<uint64_t> live, MariadbLiveIdentity(conn, record.ref));
      if (!live) {
        // Dropped by start's own later statement (or never created): a
        // record of nothing would read as missing to status.
        if (record.done) sql += MariadbForgetObjectSql(scope, record.ref);
        continue;
      }
      if (record.done && record.identity == *live) continue;
      sql += MariadbDoneSql(scope, record.ref, *live);
    }
    return sql;
  }

  // Runs actions from the first not yet recorded as done, each (or each
  // group) followed by its record.
  Status RunKeptActions(Engine& engine, const state::MigrationRecord& record,
                        const std::vector<ops::Action>& actions,
                        const std::string& last_extra_sql) const {
    size_t i = static_cast<size_t>(record.actions_done);
    while (i < actions.size()) {
      const size_t end = MariadbGroupEnd(actions, i);
      std::string bookkeeping =
          engine.state_->ActionsDoneSql(record.schema, record.name, static_cast<int>(end));
      if (end == actions.size()) bookkeeping += "\n" + last_extra_sql;
      const bool one_rename_with_views =
          MariadbIsRenameAlter(actions[i]) &&
          !MariadbLaterViewsOf(actions, end, actions[i].table).sql.empty();
      if (end == i + 1 && !one_rename_with_views) {
        ZS_RETURN_IF_ERROR(engine.RunAction(actions[i], bookkeeping));
      } else {
        ZS_RETURN_IF_ERROR(RunGroup(engine, actions, i, end, bookkeeping));
      }
      i = end;
    }
    if (static_cast<size_t>(record.actions_done) >= actions.size()) {
      return RunStateSql(engine, last_extra_sql);
    }
    return Status::Ok();
  }

  // actions[begin, end): a table's triggers and old columns, dropped together
  // so that no write slips between them.
  static Status RunGroup(Engine& engine, const std::vector<ops::Action>& actions, size_t begin,
                         size_t end, const std::string& bookkeeping) {
    std::vector<std::string> statements;
    for (size_t k = begin; k < end; ++k) {
      engine.Log("  " + actions[k].id);
      statements.push_back(actions[k].sql);
    }
    const std::vector<ddl::TableRef> tables = {
        {.schema = engine.options_.schema, .name = actions[begin].table}};
    MariadbLaterViews views = MariadbLaterViewsOf(actions, end, actions[begin].table);
    auto* runner = dynamic_cast<ddl::MariadbRunner*>(engine.runner_.get());
    std::unique_ptr<backend::Session> second;
    if (!views.sql.empty() && runner != nullptr && engine.options_.backfill.open_session) {
      Result<std::unique_ptr<backend::Session>> opened = engine.options_.backfill.open_session();
      if (opened.ok()) second = std::move(*opened);
      if (!opened.ok()) {
        engine.Log("  the version's views wait for their turn: " + opened.status().message());
      }
    }
    Status status;
    if (second != nullptr) {
      Status handover = Status::Ok();
      status = runner->RunGroupWithHandover(tables, statements, backend::MariadbConnection(*second),
                                            views.sql, views.views, &handover);
      // The views are made again in their turn anyway (safe to repeat): a
      // failed handover only leaves the gap it was there to close.
      if (!handover.ok())
        engine.Log("  the version's views wait for their turn: " + handover.message());
    } else {
      status = engine.runner_->RunGroup(tables, statements);
    }
    ZS_RETURN_IF_ERROR(status.WithContext(actions[begin].id));
    FaultPoint(engine.command_);
    return MariadbSteps()
        .RunStateSql(engine, bookkeeping)
        .WithContext(actions[end - 1].id + " (its record)");
  }
};

const EngineSteps& MariadbSteps() {
  static const MariadbEngineSteps steps;
  return steps;
}

}  // namespace zs::engine
