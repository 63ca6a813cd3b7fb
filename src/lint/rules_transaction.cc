// Rules about transactions, timeouts and the locks a transaction holds:
// lock-timeout-missing, statement-timeout-missing,
// lock-timeout-above-statement-timeout, transaction-nesting,
// ends-tool-transaction, concurrently-in-transaction, validate-in-same-transaction,
// runs-while-locked.
#include <fmt/format.h>

#include <algorithm>

#include "lint/analysis.h"
#include "lint/check.h"
#include "lint/sql_text.h"
#include "lint/tree.h"

namespace zs::lint {
namespace {

constexpr std::string_view kDefaultLockTimeout = "500ms";
constexpr std::string_view kDefaultStatementTimeout = "5s";

// The strongest lock that blocks writes on a table that existed before this
// file; nullptr when the statement takes none. DML is left out: its ROW
// EXCLUSIVE lock never queues other queries.
const TableLock* BlockingLock(const Context& ctx) {
  if (ctx.effect.dml) return nullptr;
  const TableLock* strongest = nullptr;
  for (const TableLock& lock : ctx.effect.locks) {
    if (!BlocksWrites(lock.mode) || ctx.state.IsNewTable(lock.table)) continue;
    if (strongest == nullptr || lock.mode > strongest->mode) strongest = &lock;
  }
  return strongest;
}

bool Positive(const std::optional<int64_t>& ms) { return ms && *ms > 0; }

std::string TransactionOrigin(const Context& ctx) {
  if (ctx.state.file.txn.assumed) return "the migration's transaction (--assume-in-transaction)";
  return fmt::format("the transaction opened at line {}",
                     ctx.LineOf(ctx.state.file.txn.begin_offset));
}

void CheckTimeouts(Context& ctx) {
  const TableLock* lock = BlockingLock(ctx);
  if (lock == nullptr) return;
  bool lock_missing =
      !ctx.state.file.reported_lock_timeout && !Positive(ctx.state.EffectiveLockTimeout());
  bool statement_missing = !ctx.effect.non_transactional &&
                           !ctx.state.file.reported_statement_timeout &&
                           !Positive(ctx.state.EffectiveStatementTimeout());
  if (!lock_missing && !statement_missing) return;
  std::string what = Snippet(ctx.stmt.text);
  std::string body(StatementBody(ctx.stmt));
  body += ";";
  if (lock_missing) {
    ctx.Report(
        "lock-timeout-missing", ctx.stmt.begin,
        fmt::format("`{}` takes {} on {} with no lock_timeout set: if it waits behind one long "
                    "transaction, every later query on {} waits behind it (later statements of "
                    "this file are not reported again)",
                    what, LockModeName(lock->mode), lock->display, lock->display),
        fmt::format("SET lock_timeout = '{}' first, and retry when it fails with SQLSTATE 55P03 "
                    "(zeroshift runs each DDL statement so, with backoff)",
                    kDefaultLockTimeout),
        fmt::format("SET lock_timeout = '{}';\n{}", kDefaultLockTimeout, body));
  }
  if (statement_missing) {
    ctx.Report(
        "statement-timeout-missing", ctx.stmt.begin,
        fmt::format("`{}` blocks {} with no statement_timeout set: nothing bounds how long {} "
                    "stays blocked (later statements of this file are not reported again)",
                    what, lock->display, lock->display),
        fmt::format("SET statement_timeout = '{}' first", kDefaultStatementTimeout),
        fmt::format("SET statement_timeout = '{}';\n{}", kDefaultStatementTimeout, body));
  }
}

void CheckTimeoutOrder(Context& ctx) {
  std::vector<TimeoutChange> changes = TimeoutChanges(ctx.stmt);
  if (changes.empty()) return;
  std::optional<int64_t> lock = ctx.state.EffectiveLockTimeout();
  std::optional<int64_t> statement = ctx.state.EffectiveStatementTimeout();
  for (const TimeoutChange& change : changes) {
    if (change.name == "*") {
      lock.reset();
      statement.reset();
    } else if (change.name == "lock_timeout") {
      lock = change.reset ? std::nullopt : change.ms;
    } else {
      statement = change.reset ? std::nullopt : change.ms;
    }
  }
  // Unset and 0 both mean "no limit".
  int64_t lock_ms = lock.value_or(0), statement_ms = statement.value_or(0);
  if (lock_ms > 0 && statement_ms > 0 && lock_ms >= statement_ms) {
    ctx.Report("lock-timeout-above-statement-timeout", ctx.stmt.begin,
               fmt::format("lock_timeout ({} ms) is not below statement_timeout ({} ms): a "
                           "statement waiting for a lock is cancelled by statement_timeout "
                           "first, so lock_timeout never applies",
                           lock_ms, statement_ms),
               "keep lock_timeout well below statement_timeout, e.g. SET lock_timeout = "
               "'500ms' and SET statement_timeout = '5s'");
  }
}

void CheckNesting(Context& ctx) {
  if (ctx.stmt.type != "TransactionStmt") return;
  std::string_view kind = ctx.stmt.body["kind"].str();
  bool begins = kind == "TRANS_STMT_BEGIN" || kind == "TRANS_STMT_START";
  bool ends =
      kind == "TRANS_STMT_COMMIT" || kind == "TRANS_STMT_ROLLBACK" || kind == "TRANS_STMT_PREPARE";
  if (begins && ctx.InTransaction()) {
    ctx.Report("transaction-nesting", ctx.stmt.begin,
               fmt::format("BEGIN inside {}: PostgreSQL only warns, and the COMMIT meant for "
                           "this BEGIN commits the outer transaction early",
                           TransactionOrigin(ctx)),
               ctx.state.file.txn.assumed
                   ? "remove BEGIN/COMMIT from the file (the migration tool already wraps it), "
                     "or run the file without --assume-in-transaction"
                   : "remove the inner BEGIN");
  } else if (ends && !ctx.InTransaction()) {
    ctx.Report("transaction-nesting", ctx.stmt.begin,
               fmt::format("{} with no transaction open: it only warns, and the statements "
                           "before it already ran in their own transactions",
                           Snippet(ctx.stmt.text)),
               "add the missing BEGIN, or remove this statement");
  }
}

// What ending the tool's transaction does, by how it is ended.
std::string EndsToolTransactionConsequence(std::string_view kind, bool chain) {
  if (kind == "TRANS_STMT_PREPARE") {
    return "PREPARE TRANSACTION detaches the tool's transaction from the session, holding its "
           "locks until someone runs COMMIT PREPARED; every later statement runs on its own and "
           "the tool's COMMIT only warns";
  }
  if (kind == "TRANS_STMT_ROLLBACK") {
    return chain ? "ROLLBACK AND CHAIN silently undoes every statement before it, and the tool "
                   "then commits the rest as if the whole migration had run"
                 : "ROLLBACK silently undoes every statement before it; the statements after "
                   "it run on their own, each committed at once, and the tool's COMMIT only "
                   "warns";
  }
  return chain ? "COMMIT AND CHAIN commits the statements before it at once, so a later "
                 "failure leaves the migration half applied, and the tool cannot roll them back"
               : "it commits the statements before it at once; the statements after it run on "
                 "their own, each committed at once, so a later failure leaves the migration "
                 "half applied, and the tool's COMMIT only warns";
}

// Under --assume-in-transaction, a COMMIT/ROLLBACK/PREPARE TRANSACTION that
// is not paired with a BEGIN of the file ends the migration tool's own
// transaction. (One paired with a nested BEGIN was reported at that BEGIN.)
void CheckEndsToolTransaction(Context& ctx) {
  if (ctx.stmt.type != "TransactionStmt") return;
  const TransactionState& txn = ctx.state.file.txn;
  if (!txn.open || !txn.assumed || txn.nested_begin) return;
  std::string_view kind = ctx.stmt.body["kind"].str();
  if (kind != "TRANS_STMT_COMMIT" && kind != "TRANS_STMT_ROLLBACK" &&
      kind != "TRANS_STMT_PREPARE") {
    return;
  }
  bool chain = ctx.stmt.body["chain"].is_true();
  ctx.Report("ends-tool-transaction", ctx.stmt.begin,
             fmt::format("`{}` ends the migration tool's own transaction "
                         "(--assume-in-transaction): {}",
                         Snippet(ctx.stmt.text), EndsToolTransactionConsequence(kind, chain)),
             "remove it and let the tool commit or roll back; if part of the file must run "
             "outside a transaction, move it into a migration of its own that the tool does "
             "not wrap (or lint this file without --assume-in-transaction)");
}

void CheckNonTransactional(Context& ctx) {
  if (!ctx.effect.non_transactional || !ctx.InTransaction()) return;
  ctx.Report("concurrently-in-transaction", ctx.stmt.begin,
             fmt::format("`{}` cannot run inside a transaction block, and it runs inside {}: "
                         "it fails with SQLSTATE 25001",
                         Snippet(ctx.stmt.text), TransactionOrigin(ctx)),
             ctx.state.file.txn.assumed
                 ? "run it in a migration of its own that your tool does not wrap in a "
                   "transaction (zeroshift runs CREATE INDEX CONCURRENTLY so)"
                 : "COMMIT before it and run it on its own");
}

void CheckValidateInSameTransaction(Context& ctx) {
  if (ctx.stmt.type != "AlterTableStmt" || !ctx.InTransaction()) return;
  RelationName rel = Relation(ctx.stmt.body["relation"]);
  for (JsonValue wrapped : ctx.stmt.body["cmds"]) {
    JsonValue cmd = wrapped.inner();
    if (cmd["subtype"].str() != "AT_ValidateConstraint") continue;
    std::string name(cmd["name"].str());
    auto it = ctx.state.file.txn.not_valid_added.find({rel.key(), name});
    if (it == ctx.state.file.txn.not_valid_added.end()) continue;
    ctx.Report("validate-in-same-transaction", ctx.stmt.begin,
               fmt::format("VALIDATE CONSTRAINT {} runs in the same transaction as the ADD ... "
                           "NOT VALID at line {}: that ALTER TABLE's lock on {} is held until "
                           "COMMIT, so the validation scan blocks {} after all",
                           SqlIdent(name), ctx.LineOf(it->second), rel.Display(), rel.Display()),
               "COMMIT after ADD CONSTRAINT ... NOT VALID, and VALIDATE CONSTRAINT in a "
               "transaction of its own",
               fmt::format("COMMIT;\n{}", StatementBody(ctx.stmt)));
  }
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  return out;
}

std::string_view CostVerb(Cost cost) {
  switch (cost) {
    case Cost::kScan:
      return "scans a whole table";
    case Cost::kRewrite:
      return "rewrites a whole table";
    case Cost::kData:
      return "touches its rows";
    default:
      return "runs";
  }
}

void CheckRunsWhileLocked(Context& ctx) {
  if (!ctx.InTransaction() || ctx.effect.transaction_control || ctx.effect.session_setting) return;
  std::vector<std::pair<std::string, const HeldLock*>> held;
  for (const auto& [table, lock] : ctx.state.file.txn.held) {
    if (lock.mode == LockMode::kAccessExclusive && !ctx.state.IsNewTable(table)) {
      held.emplace_back(table, &lock);
    }
  }
  if (held.empty()) return;
  auto is_held = [&](const std::string& table) {
    return std::any_of(held.begin(), held.end(), [&](const auto& h) { return h.first == table; });
  };
  const HeldLock& first = *held.front().second;
  std::vector<std::string> names;
  for (const auto& h : held) names.push_back(h.second->display);
  std::string tables = Join(names);
  std::string origin = fmt::format("line {}, `{}`", ctx.LineOf(first.offset), first.snippet);
  if (IsSlow(ctx.effect.cost)) {
    ctx.Report(
        "runs-while-locked", ctx.stmt.begin,
        fmt::format("`{}` {} while this transaction holds ACCESS EXCLUSIVE on {} (since {}): "
                    "every query on {} waits until COMMIT, for as long as this statement runs",
                    Snippet(ctx.stmt.text), CostVerb(ctx.effect.cost), tables, origin, tables),
        "COMMIT right after the DDL, then run this outside that transaction (data changes in "
        "batches); `zeroshift convert` turns such a script into a migration that never holds "
        "the lock while rows are touched");
    return;
  }
  for (const TableLock& lock : ctx.effect.locks) {
    if (is_held(lock.table) || ctx.state.IsNewTable(lock.table) ||
        lock.mode < LockMode::kShareUpdateExclusive) {
      continue;
    }
    ctx.Report(
        "runs-while-locked", ctx.stmt.begin,
        fmt::format("`{}` waits for {} on {} while this transaction holds ACCESS EXCLUSIVE on "
                    "{} (since {}): if it queues behind another session, {} stays blocked as "
                    "long",
                    Snippet(ctx.stmt.text), LockModeName(lock.mode), lock.display, tables, origin,
                    tables),
        "change one table per transaction, each under a short lock_timeout", "",
        Severity::kWarning);
    return;
  }
}

}  // namespace

void CheckTransactionRules(Context& ctx) {
  CheckTimeouts(ctx);
  CheckTimeoutOrder(ctx);
  CheckNesting(ctx);
  CheckEndsToolTransaction(ctx);
  CheckNonTransactional(ctx);
  CheckValidateInSameTransaction(ctx);
  CheckRunsWhileLocked(ctx);
}

}  // namespace zs::lint
