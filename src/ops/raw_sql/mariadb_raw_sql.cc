#include "ops/raw_sql/mariadb_raw_sql.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "ops/mariadb_sql.h"

namespace zs::ops {

namespace {

std::string MariadbFirstWords(const std::string& statement);

// Splits `sql` at the `;` that end statements, outside '...', "...", `...`
// and comments (--, #, /* */). A compound statement (BEGIN NOT ATOMIC ... END)
// has `;` inside: it is kept whole, and must be the operation's only statement.
std::vector<std::string> MariadbSplitStatements(const std::string& sql) {
  std::vector<std::string> out;
  size_t first = sql.find_first_not_of(" \t\r\n");
  if (first != std::string::npos &&
      MariadbFirstWords(sql.substr(first)).compare(0, 16, "BEGIN NOT ATOMIC") == 0) {
    size_t last = sql.find_last_not_of(" \t\r\n;");
    return {sql.substr(first, last - first + 1)};
  }
  std::string current;
  bool code = false;  // `current` has more than comments and spaces
  auto flush = [&] {
    size_t begin = current.find_first_not_of(" \t\r\n");
    if (code && begin != std::string::npos) {
      size_t end = current.find_last_not_of(" \t\r\n");
      out.push_back(current.substr(begin, end - begin + 1));
    }
    current.clear();
    code = false;
  };
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'' || c == '"' || c == '`') {
      code = true;
      size_t j = i + 1;
      while (j < sql.size() && sql[j] != c) j += (sql[j] == '\\' && c != '`') ? 2 : 1;
      current += sql.substr(i, std::min(j, sql.size() - 1) - i + 1);
      i = j;
      continue;
    }
    bool line_comment = c == '#' || (c == '-' && i + 2 < sql.size() && sql[i + 1] == '-' &&
                                     std::isspace(static_cast<unsigned char>(sql[i + 2])));
    if (line_comment) {
      size_t j = sql.find('\n', i);
      if (j == std::string::npos) j = sql.size();
      current += sql.substr(i, j - i);
      i = j - 1;
      continue;
    }
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      size_t j = sql.find("*/", i + 2);
      j = j == std::string::npos ? sql.size() : j + 2;
      current += sql.substr(i, j - i);
      i = j - 1;
      continue;
    }
    if (c == ';') {
      flush();
      continue;
    }
    if (!std::isspace(static_cast<unsigned char>(c))) code = true;
    current += c;
  }
  flush();
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
  if (MariadbSplitStatements(sql).empty()) {
    return MariadbRefusal(ctx, fmt::format("`{}` has no statement", side));
  }
  for (const auto& statement : MariadbSplitStatements(sql)) {
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
  std::vector<std::string> statements = MariadbSplitStatements(sql);
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
