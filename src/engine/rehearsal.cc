#include "engine/rehearsal.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "backend/postgres_backend.h"
#include "ops/operation.h"
#include "pg/lock_holders.h"
#include "pg/quote.h"
#include "schema/dependents.h"
#include "triggers/dual_write.h"

namespace zs::engine {

namespace {

// Until the MariaDB implementation of this phase exists.
Status RehearsalNotImplemented(backend::Session& session, const std::string& phase) {
  return Conflict(fmt::format("{} is not implemented on {} yet; nothing was changed", phase,
                              session.backend().Name()));
}

const std::string& TemporaryPrefix() {
  static const std::string prefix = ops::TemporaryColumnName("");
  return prefix;
}

std::string Where(const migration::Migration& migration, size_t index) {
  if (index >= migration.operations.size()) return "migration \"" + migration.name + "\"";
  const auto& op = migration.operations[index];
  return fmt::format("{} {}", op.location.ToString(), op.kind);
}

// The operations up to and including the first raw SQL one, as the engine's
// dry run plans them: the later ones may need what the SQL creates.
Result<Plan> DryPlan(const PlanInput& input, const Operations& operations,
                     const schema::Schema& base) {
  for (size_t i = 0; i + 1 < operations.size(); ++i) {
    if (!operations[i]->ChangesSchemaOpaquely()) continue;
    migration::Migration head = *input.migration;
    head.operations.resize(i + 1);
    ZS_ASSIGN_OR_RETURN(Operations head_operations, MakeOperations(head));
    PlanInput head_input = input;
    head_input.migration = &head;
    return BuildPlan(head_input, head_operations, base);
  }
  return BuildPlan(input, operations, base);
}

std::string Bullets(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += "\n  - " + line;
  return out;
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// The transactional form of a CONCURRENTLY index statement; nullopt for a
// statement that cannot run in a transaction at all.
std::optional<std::string> InTransactionForm(const std::string& sql) {
  std::string upper = Upper(sql);
  size_t start = upper.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return std::nullopt;
  bool create = upper.compare(start, 6, "CREATE") == 0;
  bool drop = upper.compare(start, 10, "DROP INDEX") == 0;
  size_t at = upper.find("INDEX CONCURRENTLY");
  if ((!create && !drop) || at == std::string::npos) return std::nullopt;
  return sql.substr(0, at) + "INDEX" + sql.substr(at + std::string("INDEX CONCURRENTLY").size());
}

bool IsLockFailure(const Status& status) {
  return backend::IsLockFailure(backend::Postgres().Classify(status));
}

// The migration's physical tables that existed before it and that its plan
// changes (not those only the version schema's views read).
std::vector<std::string> TouchedTables(const Plan& plan, const schema::Schema& base) {
  std::vector<std::string> tables;
  auto add = [&](const std::string& table) {
    if (table.empty() || base.FindPhysicalTable(table) == nullptr) return;
    if (std::find(tables.begin(), tables.end(), table) == tables.end()) tables.push_back(table);
  };
  for (const auto* list : {&plan.expand, &plan.install, &plan.complete, &plan.rollback}) {
    for (const auto& action : *list) {
      if (action.id.rfind("version:", 0) == 0) continue;
      add(action.table);
    }
  }
  for (const auto& task : plan.backfill) add(task.table);
  return tables;
}

// Columns an INSERT can name: not generated.
std::vector<std::string> InsertableColumns(const schema::Table& table, bool virtual_names) {
  std::vector<std::string> out;
  for (const auto& column : table.columns) {
    if (column.generated) continue;
    out.push_back(virtual_names ? column.name : column.physical_name);
  }
  return out;
}

// A column an UPDATE can set to itself: not generated, not identity ALWAYS.
std::optional<std::string> TouchColumn(const schema::Table& table) {
  for (const auto& column : table.columns) {
    if (!column.generated && column.identity != "a") return column.physical_name;
  }
  return std::nullopt;
}

class Rehearsal {
 public:
  Rehearsal(pg::Connection& conn, const std::string& schema, const PlanInput& input,
            const Operations& operations, const RehearsalOptions& options)
      : conn_(conn), schema_(schema), input_(input), operations_(operations), options_(options) {}

  // One attempt, in a transaction that is always rolled back.
  Status Run(const schema::Schema& base, const std::vector<std::string>& tables) {
    ZS_RETURN_IF_ERROR(conn_.Run("BEGIN"));
    Status status = RunInTransaction(base, tables);
    Status end = conn_.Run("ROLLBACK");
    ZS_RETURN_IF_ERROR(status);
    return end;
  }

  bool skipped() const { return !skipped_.empty(); }
  const std::string& skipped_reason() const { return skipped_; }

 private:
  Status RunInTransaction(const schema::Schema& base, const std::vector<std::string>& tables) {
    ZS_RETURN_IF_ERROR(conn_.Run(
        fmt::format("SET LOCAL lock_timeout = '{}ms'", options_.retry.lock_timeout.count())));
    // Trigger functions live in zeroshift's schema, which validate may not have.
    ZS_RETURN_IF_ERROR(
        conn_.Run(fmt::format("CREATE SCHEMA IF NOT EXISTS {}", triggers::kStateSchema)));
    ZS_RETURN_IF_ERROR(KeepOneRow(base, tables));
    RunStart run =
        [&](const ops::Operation& op, const ops::OpContext&,
            const std::vector<ops::Action>& actions) -> Result<std::optional<schema::Schema>> {
      size_t index = IndexOf(op);
      for (const auto& action : actions) {
        ZS_RETURN_IF_ERROR(RunAction(action, Where(*input_.migration, index), "start"));
        for (const auto& t : {action.table}) {
          if (!t.empty()) ops_by_table_[t].insert(index);
        }
      }
      if (!op.ChangesSchemaOpaquely() || skipped()) return std::optional<schema::Schema>();
      ZS_ASSIGN_OR_RETURN(schema::Schema reread, schema::ReadSchema(conn_, schema_));
      return std::optional<schema::Schema>(std::move(reread));
    };
    ZS_ASSIGN_OR_RETURN(Plan plan, BuildPlan(input_, operations_, base, run));
    for (const auto& task : plan.backfill) {
      for (size_t i = 0; i < operations_.size(); ++i) {
        if (task.reason.find(input_.migration->operations[i].kind) != std::string::npos) {
          ops_by_table_[task.table].insert(i);
        }
      }
    }
    for (const auto& action : plan.install) {
      ZS_RETURN_IF_ERROR(RunAction(action, OpsOf(action.table), "start"));
    }
    if (skipped()) return Status::Ok();
    ZS_RETURN_IF_ERROR(FireTriggers(plan));
    ZS_RETURN_IF_ERROR(conn_.Run("SAVEPOINT zs_rehearse_rollback"));
    for (const auto& action : RollbackActions(input_, operations_, plan.snapshots)) {
      ZS_RETURN_IF_ERROR(RunAction(action, OpsOf(action.table), "rollback"));
    }
    ZS_RETURN_IF_ERROR(conn_.Run("ROLLBACK TO SAVEPOINT zs_rehearse_rollback"));
    skipped_.clear();
    for (const auto& action : CompleteActions(input_, operations_, plan.snapshots)) {
      ZS_RETURN_IF_ERROR(RunAction(action, OpsOf(action.table), "complete"));
    }
    return Status::Ok();
  }

  size_t IndexOf(const ops::Operation& op) const {
    for (size_t i = 0; i < operations_.size(); ++i) {
      if (operations_[i].get() == &op) return i;
    }
    return operations_.size();
  }

  std::string OpsOf(const std::string& table) const {
    auto it = ops_by_table_.find(table);
    if (it == ops_by_table_.end() || it->second.empty()) {
      return Where(*input_.migration, operations_.size());
    }
    std::vector<std::string> wheres;
    for (size_t index : it->second) wheres.push_back(Where(*input_.migration, index));
    return fmt::format("{}", fmt::join(wheres, "; "));
  }

  Status RunAction(const ops::Action& action, const std::string& where, const char* phase) {
    if (skipped()) return Status::Ok();
    std::string sql = action.sql;
    if (!action.transactional) {
      auto in_transaction = InTransactionForm(action.sql);
      if (!in_transaction) {
        // What follows may depend on it: the rehearsal stops here.
        skipped_ = fmt::format("{} step {} cannot run in a transaction", phase, action.id);
        return Status::Ok();
      }
      sql = *in_transaction;
    }
    Status status = conn_.Run(sql);
    if (status.ok() || IsLockFailure(status)) return status;
    // A datatype mismatch or a not-null violation: typically a default
    // carried over from the old type that the new type does not accept.
    std::string advice;
    backend::ErrorClass error_class = backend::Postgres().Classify(status);
    if (action.id.rfind("alter_column:", 0) == 0 &&
        (error_class == backend::ErrorClass::kDatatypeMismatch ||
         error_class == backend::ErrorClass::kNotNullViolation)) {
      advice =
          "\n  the column's default (and NULLs) are carried over to the new type: give the "
          "alter_column a `default` that fits the new type (or `default: null`), or a type "
          "that accepts them";
    }
    return Status(status.code(),
                  fmt::format("{}: the {} step {} would fail: {}\n  statement: {}{}", where, phase,
                              action.id, status.message(), Shorten(sql), advice),
                  status.sqlstate());
  }

  static std::string Shorten(const std::string& sql) {
    constexpr size_t kMax = 400;
    return sql.size() <= kMax ? sql : sql.substr(0, kMax) + " ...";
  }

  // Empties each table but for one sample row, so that no statement of the
  // rehearsal scans a big table under the lock its first DDL takes.
  Status KeepOneRow(const schema::Schema& base, const std::vector<std::string>& tables) {
    if (tables.empty()) return Status::Ok();
    std::vector<std::string> qualified;
    for (size_t i = 0; i < tables.size(); ++i) {
      qualified.push_back(pg::QualifiedName(schema_, tables[i]));
      ZS_RETURN_IF_ERROR(conn_.Run(
          fmt::format("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT * FROM {} LIMIT 1",
                      pg::QuoteIdent(fmt::format("_zs_rehearsal_{}", i)), qualified.back())));
    }
    // CASCADE: tables referencing these are emptied too (and restored by the
    // ROLLBACK), or TRUNCATE would refuse.
    ZS_RETURN_IF_ERROR(conn_.Run(fmt::format("TRUNCATE {} CASCADE", fmt::join(qualified, ", "))));
    // Referenced tables first: a sample row whose foreign key points at a row
    // no longer there stays out (its table is rehearsed empty).
    std::vector<size_t> pending(tables.size());
    for (size_t i = 0; i < tables.size(); ++i) pending[i] = i;
    for (int pass = 0; pass < 2 && !pending.empty(); ++pass) {
      std::vector<size_t> failed;
      for (size_t i : pending) {
        const schema::Table* table = base.FindPhysicalTable(tables[i]);
        std::string columns = pg::QuoteIdentList(InsertableColumns(*table, false));
        ZS_RETURN_IF_ERROR(conn_.Run("SAVEPOINT zs_rehearse_sample"));
        Status status = conn_.Run(
            fmt::format("INSERT INTO {0} ({1}) OVERRIDING SYSTEM VALUE SELECT {1} FROM {2}",
                        qualified[i], columns, pg::QuoteIdent(fmt::format("_zs_rehearsal_{}", i))));
        if (IsLockFailure(status)) return status;
        ZS_RETURN_IF_ERROR(conn_.Run(status.ok() ? "RELEASE SAVEPOINT zs_rehearse_sample"
                                                 : "ROLLBACK TO SAVEPOINT zs_rehearse_sample"));
        if (!status.ok()) failed.push_back(i);
      }
      pending = std::move(failed);
    }
    return Status::Ok();
  }

  Status Fire(const std::string& table, const std::string& what, const std::string& sql) {
    Status status = conn_.Run(sql);
    if (status.ok() || IsLockFailure(status)) return status;
    return Status(status.code(),
                  fmt::format("{}: the dual-write trigger of table \"{}\" fails on a sample row "
                              "({}): {}; every such write would fail once start installs it",
                              OpsOf(table), table, what, status.message()),
                  status.sqlstate());
  }

  // Deletes the sample row through `relation` and inserts it again, firing
  // the trigger as an INSERT. A row others reference (a foreign key without
  // ON DELETE CASCADE) cannot be deleted: its INSERT is not rehearsed.
  Status Reinsert(const std::string& table, const std::string& what, const std::string& relation,
                  const std::string& columns) {
    ZS_RETURN_IF_ERROR(conn_.Run(
        fmt::format("CREATE TEMP TABLE _zs_rehearsal_row ON COMMIT DROP AS SELECT * FROM {};\n"
                    "SAVEPOINT zs_rehearse_delete",
                    relation)));
    Status deleted = conn_.Run("DELETE FROM " + relation);
    if (IsLockFailure(deleted)) return deleted;
    if (!deleted.ok()) {
      ZS_RETURN_IF_ERROR(conn_.Run("ROLLBACK TO SAVEPOINT zs_rehearse_delete"));
    } else {
      ZS_RETURN_IF_ERROR(
          Fire(table, what,
               fmt::format("INSERT INTO {0} ({1}) OVERRIDING SYSTEM VALUE SELECT {1} FROM "
                           "_zs_rehearsal_row",
                           relation, columns)));
    }
    return conn_.Run("RELEASE SAVEPOINT zs_rehearse_delete; DROP TABLE _zs_rehearsal_row");
  }

  Status FireNewVersion(const std::string& table, const schema::Schema& shape,
                        const std::string& set_touch) {
    ZS_RETURN_IF_ERROR(Fire(table, "an UPDATE through the new version", set_touch));
    const schema::Table* new_table = shape.FindPhysicalTable(table);
    if (new_table == nullptr) return Status::Ok();
    std::string view = pg::QualifiedName(input_.version_schema, new_table->name);
    std::string new_columns = pg::QuoteIdentList(InsertableColumns(*new_table, true));
    return Reinsert(table, "an INSERT through the new version's view", view, new_columns);
  }

  // Writes the sample row through both shapes, as old and new clients would.
  Status FireTriggers(const Plan& plan) {
    const schema::Schema& base = plan.snapshots.front();
    const schema::Schema& shape = plan.snapshots.back();
    std::set<std::string> fired;
    for (const auto& action : plan.install) {
      if (action.id.rfind("trigger:", 0) != 0 || !fired.insert(action.table).second) continue;
      const schema::Table* old_table = base.FindPhysicalTable(action.table);
      if (old_table == nullptr) continue;
      std::string qualified = pg::QualifiedName(schema_, action.table);
      ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn_.Exec("SELECT count(*) FROM " + qualified));
      if (rows.Get(0, 0) == "0") continue;  // an empty table: nothing to fire on
      std::optional<std::string> touch = TouchColumn(*old_table);
      if (!touch) continue;
      std::string old_columns = pg::QuoteIdentList(InsertableColumns(*old_table, false));
      std::string set_touch =
          fmt::format("UPDATE {0} SET {1} = {1}", qualified, pg::QuoteIdent(*touch));
      ZS_RETURN_IF_ERROR(conn_.Run("SET LOCAL zeroshift.version = ''"));
      ZS_RETURN_IF_ERROR(Fire(action.table, "an UPDATE by an old client", set_touch));
      ZS_RETURN_IF_ERROR(
          Reinsert(action.table, "an INSERT by an old client", qualified, old_columns));
      ZS_RETURN_IF_ERROR(conn_.Run(fmt::format("SET LOCAL zeroshift.version = {}",
                                               pg::QuoteLiteral(input_.version_schema))));
      ZS_RETURN_IF_ERROR(conn_.Run("SAVEPOINT zs_rehearse_new_version"));
      Status new_version = FireNewVersion(action.table, shape, set_touch);
      // A `down` that names a column its version lacks is accepted with a
      // warning (as pgroll does): its writes fail, as plan and start say.
      if (!new_version.ok() &&
          backend::Postgres().Classify(new_version) == backend::ErrorClass::kUndefinedColumn &&
          !plan.warnings.empty()) {
        ZS_RETURN_IF_ERROR(conn_.Run("ROLLBACK TO SAVEPOINT zs_rehearse_new_version"));
      } else {
        ZS_RETURN_IF_ERROR(new_version);
      }
      ZS_RETURN_IF_ERROR(conn_.Run("RELEASE SAVEPOINT zs_rehearse_new_version"));
      ZS_RETURN_IF_ERROR(conn_.Run("SET LOCAL zeroshift.version = ''"));
    }
    return Status::Ok();
  }

  pg::Connection& conn_;
  const std::string& schema_;
  const PlanInput& input_;
  const Operations& operations_;
  const RehearsalOptions& options_;
  std::map<std::string, std::set<size_t>> ops_by_table_;
  std::string skipped_;
};

}  // namespace

std::vector<AlteredColumn> AlteredColumns(const migration::Migration& migration,
                                          const std::vector<schema::Schema>& snapshots) {
  std::vector<AlteredColumn> out;
  if (snapshots.empty()) return out;
  const schema::Schema& base = snapshots.front();
  for (size_t i = 0; i + 1 < snapshots.size(); ++i) {
    for (const auto& table : snapshots[i + 1].tables) {
      const schema::Table* old_base = base.FindPhysicalTable(table.physical_name);
      const schema::Table* before = snapshots[i].FindPhysicalTable(table.physical_name);
      if (old_base == nullptr || before == nullptr) continue;
      for (const auto& column : table.columns) {
        const std::string& physical = column.physical_name;
        if (physical.rfind(TemporaryPrefix(), 0) != 0) continue;
        if (before->FindPhysicalColumn(physical) != nullptr) continue;
        std::string old = physical.substr(TemporaryPrefix().size());
        if (old_base->FindPhysicalColumn(old) == nullptr) continue;
        out.push_back({.table = table.physical_name, .column = old, .where = Where(migration, i)});
      }
    }
  }
  return out;
}

Status CheckDependents(pg::Connection& conn, const std::string& schema,
                       const std::vector<AlteredColumn>& altered,
                       const std::vector<std::string>& ignored_schemas) {
  std::vector<std::string> problems;
  std::set<std::string> tables_seen;
  std::string first_where;
  for (const AlteredColumn& column : altered) {
    ZS_ASSIGN_OR_RETURN(
        auto dependents,
        schema::ReadColumnDependents(conn, schema, column.table, column.column, ignored_schemas));
    for (const auto& dependent : dependents) {
      std::string description = dependent.description;
      if (description.rfind("rule _RETURN on ", 0) == 0) description.erase(0, 16);
      problems.push_back(fmt::format("{}: {} depends on column \"{}\" of table \"{}\": {}",
                                     column.where, description, column.column, column.table,
                                     schema::AdviceFor(dependent)));
    }
    if (tables_seen.insert(column.table).second) {
      ZS_ASSIGN_OR_RETURN(auto publications,
                          schema::PublicationsOfAllColumns(conn, schema, column.table));
      for (const auto& publication : publications) {
        problems.push_back(fmt::format(
            "{}: publication \"{}\" publishes every column of table \"{}\", so the temporary "
            "column \"{}\" would be replicated and a subscriber without it stops (the slot then "
            "keeps WAL): publish the table with a column list that leaves out \"{}\" (ALTER "
            "PUBLICATION {} SET TABLE ... (columns), PostgreSQL 15+) before the migration",
            column.where, publication, column.table, ops::TemporaryColumnName(column.column),
            column.column, pg::QuoteIdent(publication)));
      }
    }
    if (first_where.empty() && !problems.empty()) first_where = column.where;
  }
  if (problems.empty()) return Status::Ok();
  return InvalidInput(fmt::format(
      "{}: refused before anything ran: the migration replaces columns that other objects "
      "depend on; complete would fail on them (or drop them) with no way back:{}",
      first_where, Bullets(problems)));
}

Status CheckTriggerOrder(pg::Connection& conn, const std::string& schema,
                         const std::vector<std::string>& tables, const std::string& where) {
  // tgtype bits: 1 row, 2 before, 4 insert, 16 update. Names compare byte by
  // byte (COLLATE "C"), as PostgreSQL orders the triggers of one event.
  constexpr char kLaterTriggers[] = R"sql(
SELECT format('%I on %s', t.tgname, t.tgrelid::regclass)
FROM pg_trigger t
WHERE t.tgrelid IN (SELECT relid FROM pg_partition_tree(to_regclass($1))
                    UNION SELECT to_regclass($1))
  AND NOT t.tgisinternal AND t.tgenabled <> 'D'
  AND (t.tgtype & 3) = 3 AND (t.tgtype & 20) <> 0
  AND t.tgname::text COLLATE "C" > $2 COLLATE "C"
ORDER BY 1)sql";
  std::vector<std::string> problems;
  for (const auto& table : tables) {
    std::string ours = triggers::TableTriggerName(schema, table);
    ZS_ASSIGN_OR_RETURN(pg::Rows rows,
                        conn.ExecParams(kLaterTriggers, {pg::QualifiedName(schema, table), ours}));
    for (int r = 0; r < rows.size(); ++r) {
      problems.push_back(fmt::format(
          "trigger {} fires after zeroshift's {}, so `up` and `down` would not see what it "
          "writes; rename it to sort before it (ALTER TRIGGER ... RENAME TO a name starting "
          "with an ASCII letter, digit or '_')",
          rows.Get(r, 0), pg::QuoteIdent(ours)));
    }
  }
  if (problems.empty()) return Status::Ok();
  return InvalidInput(fmt::format(
      "{}: refused before anything ran: BEFORE triggers of the migrated tables fire in name "
      "order and zeroshift's dual-write trigger must be the last of them:{}",
      where, Bullets(problems)));
}

Status Rehearse(backend::Session& session, const std::string& schema, const PlanInput& input,
                const Operations& operations, const RehearsalOptions& options) {
  if (session.backend().kind() != backend::Kind::kPostgres) {
    return RehearsalNotImplemented(session, "the rehearsal");
  }
  pg::Connection& conn = backend::PostgresConnection(session);
  ZS_ASSIGN_OR_RETURN(schema::Schema base, schema::ReadSchema(conn, schema));
  ZS_ASSIGN_OR_RETURN(Plan dry, DryPlan(input, operations, base));
  ZS_ASSIGN_OR_RETURN(std::vector<std::string> ignored, schema::RecordedVersionSchemas(conn));
  ignored.push_back(input.version_schema);
  if (!input.previous_version_schema.empty()) ignored.push_back(input.previous_version_schema);
  ZS_RETURN_IF_ERROR(
      CheckDependents(conn, schema, AlteredColumns(*input.migration, dry.snapshots), ignored));

  std::vector<std::string> trigger_tables;
  for (const auto& action : dry.install) {
    if (action.id.rfind("trigger:", 0) == 0) trigger_tables.push_back(action.table);
  }
  ZS_RETURN_IF_ERROR(CheckTriggerOrder(conn, schema, trigger_tables,
                                       input.migration->source_file.empty()
                                           ? "migration " + pg::QuoteLiteral(input.migration->name)
                                           : input.migration->source_file));

  std::vector<std::string> tables = TouchedTables(dry, base);
  Status status;
  for (int attempt = 1;; ++attempt) {
    Rehearsal rehearsal(conn, schema, input, operations, options);
    status = rehearsal.Run(base, tables);
    if (status.ok()) {
      if (rehearsal.skipped() && options.log) {
        options.log("note: rehearsed up to where " + rehearsal.skipped_reason());
      }
      return Status::Ok();
    }
    if (IsLockFailure(status) && options.skip_when_busy) {
      if (options.log) {
        options.log("note: not rehearsed, a table is busy (" + status.message() +
                    "); `zeroshift validate` rehearses the migration");
      }
      return Status::Ok();
    }
    if (!IsLockFailure(status) || attempt >= std::max(1, options.retry.max_attempts)) break;
    std::chrono::milliseconds delay = pg::BackoffDelay(options.retry, attempt);
    if (options.log) {
      options.log(fmt::format("    lock not available (attempt {}/{}): {}; retrying in {} ms",
                              attempt, options.retry.max_attempts, status.message(),
                              delay.count()));
    }
    std::this_thread::sleep_for(delay);
  }
  if (!IsLockFailure(status)) {
    return status.WithContext(
        "the rehearsal of the migration (run in a transaction that was rolled back: nothing was "
        "changed) failed; fix the migration");
  }
  std::vector<std::string> holders;
  for (const auto& table : tables) {
    std::string qualified = pg::QualifiedName(schema, table);
    auto found = pg::LockHolders(conn, qualified);
    if (found.ok() && !found->empty()) {
      holders.push_back(qualified + " is locked by " + pg::DescribeLockHolders(*found));
    }
  }
  return Status(status.code(),
                fmt::format("could not rehearse the migration before running it: {}{}; nothing "
                            "was changed, try again when the tables are free",
                            status.message(),
                            holders.empty() ? "" : fmt::format("; {}", fmt::join(holders, "; "))),
                status.sqlstate());
}

Status CheckAddedSinceStart(backend::Session& session, const std::string& schema,
                            const migration::Migration& migration,
                            const std::vector<schema::Schema>& snapshots,
                            const std::string& previous_version_schema) {
  if (session.backend().kind() != backend::Kind::kPostgres) {
    return RehearsalNotImplemented(session, "the check of objects added since start");
  }
  pg::Connection& conn = backend::PostgresConnection(session);
  std::vector<AlteredColumn> altered = AlteredColumns(migration, snapshots);
  if (altered.empty()) return Status::Ok();
  const schema::Schema& base = snapshots.front();
  ZS_ASSIGN_OR_RETURN(std::vector<std::string> ignored, schema::RecordedVersionSchemas(conn));
  // Complete drops the previous version (the baseline's views too) before the columns.
  if (!previous_version_schema.empty()) ignored.push_back(previous_version_schema);
  ZS_ASSIGN_OR_RETURN(schema::Schema live, schema::ReadSchema(conn, schema));
  std::vector<std::string> lost;
  for (const AlteredColumn& column : altered) {
    const schema::Table* then = base.FindPhysicalTable(column.table);
    const schema::Table* now = live.FindPhysicalTable(column.table);
    if (then == nullptr || now == nullptr) continue;
    std::string on = fmt::format("column \"{}\" of table \"{}\"", column.column, column.table);
    ZS_ASSIGN_OR_RETURN(pg::Rows rows,
                        conn.ExecParams(R"sql(
SELECT CASE WHEN d.classid = 'pg_constraint'::regclass THEN 'constraint' ELSE 'index' END,
       CASE WHEN d.classid = 'pg_constraint'::regclass
            THEN (SELECT conname FROM pg_constraint WHERE oid = d.objid)
            ELSE (SELECT relname FROM pg_class WHERE oid = d.objid) END
FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = to_regclass($1) AND a.attname = $2
  AND (d.classid = 'pg_constraint'::regclass OR
       (d.classid = 'pg_class'::regclass AND
        (SELECT relkind FROM pg_class WHERE oid = d.objid) IN ('i', 'I')))
ORDER BY 1, 2)sql",
                                        {pg::QualifiedName(schema, column.table), column.column}));
    for (int i = 0; i < rows.size(); ++i) {
      const std::string kind = rows.Get(i, 0);
      const std::string name = rows.Get(i, 1);
      // Known when any step of the migration's plan has it (an earlier
      // operation of the migration may have created it).
      bool known = std::any_of(snapshots.begin(), snapshots.end(), [&](const schema::Schema& s) {
        const schema::Table* t = s.FindPhysicalTable(column.table);
        if (t == nullptr) return false;
        return kind == "index" ? std::any_of(t->indexes.begin(), t->indexes.end(),
                                             [&](const auto& x) { return x.name == name; })
                               : t->HasConstraint(name);
      });
      if (!known) lost.push_back(fmt::format("{} \"{}\" on {}", kind, name, on));
    }
    const schema::Column* old_then = then->FindPhysicalColumn(column.column);
    const schema::Column* old_now = now->FindPhysicalColumn(column.column);
    if (old_then != nullptr && old_now != nullptr && old_then->comment != old_now->comment) {
      lost.push_back(fmt::format("the comment {} on {}",
                                 old_now->comment ? pg::QuoteLiteral(*old_now->comment) : "(none)",
                                 on));
    }
    ZS_ASSIGN_OR_RETURN(auto dependents, schema::ReadColumnDependents(conn, schema, column.table,
                                                                      column.column, ignored));
    for (const auto& dependent : dependents) {
      lost.push_back(
          fmt::format("{} on {} ({})", dependent.description, on, schema::AdviceFor(dependent)));
    }
  }
  if (lost.empty()) return Status::Ok();
  return Conflict(fmt::format(
      "complete of \"{}\" refused before any change: since start, objects were added on columns "
      "this migration replaces, and dropping the old columns would lose them:{}\nCreate them "
      "again on the new version's column after complete and drop them from the old one now, "
      "then re-run `zeroshift complete`; or `zeroshift rollback`",
      migration.name, Bullets(lost)));
}

}  // namespace zs::engine
