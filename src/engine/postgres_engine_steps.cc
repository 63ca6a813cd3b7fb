// The engine's steps on PostgreSQL (engine_steps.h): DDL and the state row
// that records it commit in one transaction, what start creates is recorded
// by catalog identity, validate rehearses in a rolled-back transaction.
#include <fmt/format.h>

#include "backend/postgres_backend.h"
#include "backfill/postgres_batch.h"
#include "engine/engine.h"
#include "engine/engine_checks.h"
#include "engine/engine_steps.h"
#include "engine/fault_injection.h"
#include "engine/ownership.h"
#include "engine/rehearsal.h"
#include "pg/pooler.h"
#include "pg/quote.h"
#include "pg/session.h"
#include "state/load_migration.h"
#include "state/postgres_consistency.h"

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

}  // namespace

class PostgresEngineSteps final : public EngineSteps {
 public:
  Result<std::string> SchemaFor(const std::string&, const std::string& schema) const override {
    return schema;
  }

  Result<std::unique_ptr<backend::Session>> Open(const backend::Backend&,
                                                 const std::string& conninfo,
                                                 const Options& options) const override {
    pg::SessionSettings settings{.lock_timeout = options.retry.lock_timeout,
                                 .statement_timeout = options.retry.statement_timeout};
    ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::OpenOwnSession(conninfo, settings));
    ZS_RETURN_IF_ERROR(pg::PinSearchPath(conn, pg::PinnedSearchPath(options.schema)));
    return std::unique_ptr<backend::Session>(
        std::make_unique<backend::PostgresSession>(std::move(conn)));
  }

  Status FillServerFacts(Engine& engine, PlanInput& input) const override {
    input.server_version_num = Conn(engine).ServerVersion();
    return Status::Ok();
  }

  Status CheckType(Engine& engine, const std::string& type,
                   const std::string& where) const override {
    if (IsSerialPseudoType(type)) return Status::Ok();
    auto rows = Conn(engine).ExecParams("SELECT to_regtype($1) IS NOT NULL", {type});
    if (rows.ok() && rows->GetBool(0, 0)) return Status::Ok();
    return InvalidInput(fmt::format(
        "{}: type \"{}\" does not exist in this database; check the spelling or create the type "
        "first",
        where, type));
  }

  Status FillUserTriggers(Engine&, PlanInput&, const schema::Schema&) const override {
    return Status::Ok();  // PostgreSQL orders its trigger by name
  }

  Status CheckBackfillUserTriggers(Engine& engine, const Plan& dry,
                                   const schema::Schema& base) const override {
    for (const auto& task : dry.backfill) {  // user triggers the backfill would fire
      if (base.FindPhysicalTable(task.table) == nullptr) continue;
      ZS_RETURN_IF_ERROR(backfill::PlanUserTriggers(Conn(engine), engine.options_.schema,
                                                    task.table,
                                                    engine.options_.backfill.fire_user_triggers)
                             .status());
    }
    return Status::Ok();
  }

  Status CheckNamesFree(Engine& engine, const migration::Migration& migration,
                        const Plan& plan) const override {
    return PostgresCheckNamesFree(*engine.session_, engine.options_.schema, migration, plan);
  }

  Result<Plan> Validate(Engine& engine, const migration::Migration& migration) const override {
    pg::Connection& conn = Conn(engine);
    // The plan is built where nothing can change; round trips sample rows
    // after it (AddRoundTripWarnings).
    ZS_RETURN_IF_ERROR(conn.Run("BEGIN TRANSACTION READ ONLY"));
    Result<Plan> plan = engine.PlanWithoutRoundTrips(migration);
    Status end = conn.Run("ROLLBACK");
    if (!plan.ok()) return plan;
    ZS_RETURN_IF_ERROR(end);
    // Runs the plan in a transaction that is rolled back (engine/rehearsal.h).
    ZS_ASSIGN_OR_RETURN(Operations operations, MakeOperations(migration));
    ZS_ASSIGN_OR_RETURN(PlanInput input, engine.MakePlanInput(migration));
    ZS_RETURN_IF_ERROR(Rehearse(*engine.session_, engine.options_.schema, input, operations,
                                {.retry = engine.options_.retry, .log = engine.options_.log}));
    ZS_RETURN_IF_ERROR(engine.AddRoundTripWarnings(*plan));
    return plan;
  }

  Status RunAction(Engine& engine, const ops::Action& action,
                   const std::string& same_transaction_sql) const override {
    const std::string& schema = engine.options_.schema;
    std::string bookkeeping = same_transaction_sql;
    if (engine.command_ == "start" && !IsUserSql(action)) {
      // What a start action creates is recorded under the active migration in
      // the transaction that creates it (right after it for a CONCURRENTLY
      // action), by catalog identity.
      ZS_ASSIGN_OR_RETURN(auto created, CreatedObjects(action.sql, schema));
      std::string record;
      for (const auto& object : created) record += RecordSql(schema, object) + "\n";
      bookkeeping = record + bookkeeping;
    }
    std::string lock_table = action.table.empty() ? "" : pg::QualifiedName(schema, action.table);
    Status status = engine.runner_->Run(action.sql, {.concurrently = !action.transactional,
                                                     .same_transaction_sql = bookkeeping,
                                                     .before_retry_sql = action.before_retry_sql,
                                                     .lock_table = lock_table});
    if (status.ok()) FaultPoint(engine.command_);
    return status.WithContext(action.id);
  }

  Status RunStateSql(Engine& engine, const std::string& sql) const override {
    if (sql.empty()) return Status::Ok();
    return Conn(engine).Run(sql);  // one transaction
  }

  Status RunRecordedActions(Engine& engine, const state::MigrationRecord& record,
                            const std::vector<ops::Action>& actions,
                            const std::string& last_extra_sql) const override {
    // Rollback drops only what start recorded creating; complete drops the
    // previous version schema and the triggers only if recorded (the rest of
    // it drops the user's old shape on purpose). A row an older zeroshift
    // started has no records: its objects are found by name as before.
    DropCheck check = engine.command_ == "rollback"   ? DropCheck::kAll
                      : engine.command_ == "complete" ? DropCheck::kOwnKinds
                                                      : DropCheck::kNone;
    backend::Session& session = *engine.session_;
    ZS_ASSIGN_OR_RETURN(bool tracked, TracksObjects(session, record.schema, record.name));
    if (check == DropCheck::kOwnKinds && tracked) {
      ZS_ASSIGN_OR_RETURN(auto previous,
                          state::LoadLatestDoneMigration(*engine.state_, record.schema));
      if (previous) {
        ZS_ASSIGN_OR_RETURN(tracked, TracksObjects(session, record.schema, previous->name));
      }
    }
    if (!tracked) check = DropCheck::kNone;
    // Each action commits with the count of actions done, so a re-run after a
    // crash starts at the first action that had not committed.
    for (size_t i = static_cast<size_t>(record.actions_done); i < actions.size(); ++i) {
      std::string bookkeeping =
          engine.state_->ActionsDoneSql(record.schema, record.name, static_cast<int>(i + 1));
      if (i + 1 == actions.size()) bookkeeping += "\n" + last_extra_sql;
      ZS_ASSIGN_OR_RETURN(ops::Action action,
                          WithoutForeignDrops(Conn(engine), engine.options_.schema, actions[i],
                                              check, engine.options_.log));
      ZS_RETURN_IF_ERROR(engine.RunAction(action, bookkeeping));
    }
    if (static_cast<size_t>(record.actions_done) >= actions.size() && !last_extra_sql.empty()) {
      return Conn(engine).Run(last_extra_sql);
    }
    return Status::Ok();
  }

  std::string ForgetObjectsSql(const std::string& schema, const std::string& name,
                               bool completed) const override {
    return ForgetGoneObjectsSql(schema, name, completed);
  }

  Result<std::vector<std::string>> RecordDisagreements(
      Engine& engine, const state::MigrationRecord& active) const override {
    return state::PostgresRecordDisagreements(backend::PostgresConnection(*engine.session_),
                                              active);
  }

  std::string ClientSql(const backend::Backend&, const std::string& schema,
                        const std::string& version) const override {
    // Quoted as SQL: the line is meant to be pasted into a client.
    return fmt::format("SET search_path TO {}, {}", pg::QuoteIdent(version),
                       pg::QuoteIdent(schema));
  }

 private:
  static pg::Connection& Conn(Engine& engine) {
    return backend::PostgresConnection(*engine.session_);
  }
};

const EngineSteps& PostgresSteps() {
  static const PostgresEngineSteps steps;
  return steps;
}

}  // namespace zs::engine
