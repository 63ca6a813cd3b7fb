#include "ops/raw_sql/mariadb_raw_sql.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "ops/mariadb_sql.h"
#include "sqlcheck/mariadb_lexer.h"

namespace zs::ops {

namespace {

// The statements of `sql`, split by the user-SQL checker's lexer (outside
// strings, quoted names and comments), which also refuses what a migration
// may not send (DELIMITER, SET and variables, USE, LOCK TABLES, compound
// statements, executable comments). `what` names the side in messages.
Result<std::vector<std::string>> MariadbSplitStatements(const std::string& sql,
                                                        const std::string& what) {
  ZS_ASSIGN_OR_RETURN(std::vector<sqlcheck::MariadbStatementText> statements,
                      sqlcheck::MariadbSplitStatements(sql, what));
  std::vector<std::string> out;
  out.reserve(statements.size());
  for (auto& statement : statements) out.push_back(std::move(statement.text));
  return out;
}

std::string MariadbFirstWords(const std::string& statement) {
  std::string words;
  for (char c : statement.substr(0, 20)) {
    words += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return words;
}

// Statements that would end zeroshift's own bookkeeping of the phase.
bool MariadbControlsTransaction(const std::string& statement) {
  std::string words = MariadbFirstWords(statement);
  for (const char* prefix : {"BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION", "SAVEPOINT",
                             "RELEASE", "XA ", "LOCK TABLE", "UNLOCK TABLE"}) {
    std::string p(prefix);
    if (words.compare(0, p.size(), p) != 0) continue;
    // BEGIN NOT ATOMIC is a compound statement, not a transaction.
    if (p == "BEGIN" && words.compare(0, 16, "BEGIN NOT ATOMIC") == 0) return false;
    return true;
  }
  return false;
}

Status MariadbCheckSide(const OpContext& ctx, const std::string& sql, const char* side) {
  Result<std::vector<std::string>> statements = MariadbSplitStatements(sql, side);
  if (!statements.ok()) return MariadbRefusal(ctx, statements.status().message());
  if (statements->empty()) {
    return MariadbRefusal(ctx, fmt::format("`{}` has no statement", side));
  }
  for (const auto& statement : *statements) {
    if (!MariadbControlsTransaction(statement)) continue;
    return MariadbRefusal(ctx, fmt::format("{} statement `{}` controls the transaction or table "
                                           "locks; remove it: zeroshift runs each statement on "
                                           "its own",
                                           side, statement));
  }
  return Status::Ok();
}

// One Action per statement (MariaDB runs one statement per call, and DDL
// commits on its own, so a group could not be atomic anyway). The user's SQL
// must be safe to repeat: a crash between statements re-runs the phase.
std::vector<Action> MariadbSqlActions(const std::string& sql, const std::string& id,
                                      CompletePhase phase) {
  // Validate refused what does not split.
  Result<std::vector<std::string>> split = MariadbSplitStatements(sql, id);
  std::vector<std::string> statements;
  if (split.ok()) statements = std::move(split).value();
  std::vector<Action> actions;
  for (size_t i = 0; i < statements.size(); ++i) {
    std::string part = statements.size() == 1 ? id : fmt::format("{}:{}", id, i + 1);
    // The `;` on a line of its own when the last line has a comment that would swallow it.
    size_t line = statements[i].rfind('\n');
    std::string last = statements[i].substr(line == std::string::npos ? 0 : line);
    bool comment = last.find("--") != std::string::npos || last.find('#') != std::string::npos;
    actions.push_back(MariadbAction(part, statements[i] + (comment ? "\n;" : ";"), "",
                                    MariadbLock::kUnknown, phase));
  }
  return actions;
}

class MariadbRawSql final : public OperationSql<RawSql> {
 public:
  Status Supports(const RawSql& raw, const OpContext& ctx) const override {
    ZS_RETURN_IF_ERROR(MariadbCheckSide(ctx, raw.op().up, "up"));
    if (raw.op().down.empty()) return Status::Ok();
    return MariadbCheckSide(ctx, raw.op().down, "down");
  }
  Result<std::vector<Action>> Start(const RawSql& raw, const OpContext& ctx) const override {
    if (raw.op().on_complete) return std::vector<Action>{};
    return MariadbSqlActions(raw.op().up, fmt::format("sql:{}:up", ctx.index),
                             CompletePhase::kFinalize);
  }
  Result<std::vector<Action>> Complete(const RawSql& raw, const OpContext& ctx) const override {
    if (!raw.op().on_complete) return std::vector<Action>{};
    return MariadbSqlActions(raw.op().up, fmt::format("sql:{}:up", ctx.index),
                             CompletePhase::kRename);
  }
  Result<std::vector<Action>> Rollback(const RawSql& raw, const OpContext& ctx) const override {
    if (raw.op().down.empty() || raw.op().on_complete) return std::vector<Action>{};
    return MariadbSqlActions(raw.op().down, fmt::format("sql:{}:down", ctx.index),
                             CompletePhase::kFinalize);
  }
};

}  // namespace

const OperationSql<RawSql>& MariadbRawSqlSql() {
  static const MariadbRawSql sql;
  return sql;
}

}  // namespace zs::ops
