#include "ops/mariadb_sql.h"

#include <fmt/format.h>

#include "ops/column_sql.h"

namespace zs::ops {

std::string MariadbLockText(MariadbLock lock) {
  switch (lock) {
    case MariadbLock::kBrief:
      return "metadata lock (exclusive, brief)";
    case MariadbLock::kOnline:
      return "metadata lock (exclusive, brief, at start and end; writes go on meanwhile)";
    case MariadbLock::kReads:
      return "metadata lock (shared; reads only)";
    case MariadbLock::kUnknown:
      return "metadata lock (whatever the statement takes; assume exclusive)";
  }
  return "unknown";
}

Action MariadbAction(std::string id, std::string sql, const std::string& table, MariadbLock lock,
                     CompletePhase phase) {
  Lock level = Lock::kAccessExclusive;
  if (lock == MariadbLock::kOnline) level = Lock::kShareUpdateExclusive;
  if (lock == MariadbLock::kReads) level = Lock::kAccessShare;
  return {.id = std::move(id),
          .sql = std::move(sql),
          .lock = level,
          .table = table,
          .transactional = false,
          .phase = phase,
          .lock_text = MariadbLockText(lock)};
}

std::string MariadbQuote(const OpContext& ctx, const std::string& name) {
  return ctx.backend->QuoteIdentifier(name);
}

std::string MariadbQuoteList(const OpContext& ctx, const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + MariadbQuote(ctx, name);
  return out;
}

std::string MariadbTableName(const OpContext& ctx, const std::string& physical_table) {
  return MariadbQuote(ctx, ctx.before->name) + "." + MariadbQuote(ctx, physical_table);
}

std::string MariadbColumnDefinition(const OpContext& ctx, const migration::Column& column,
                                    bool not_null) {
  std::string sql = MariadbQuote(ctx, column.name) + " " + column.type;
  if (not_null) sql += " NOT NULL";
  if (column.default_value) sql += " DEFAULT " + EmbedExpression(*column.default_value);
  if (column.comment) sql += " COMMENT " + ctx.backend->QuoteLiteral(*column.comment);
  return sql;
}

Status MariadbRefusal(const OpContext& ctx, const std::string& reason) {
  return InvalidInput(
      fmt::format("{}: cannot run on {}: {}", ctx.where, ctx.backend->Name(), reason));
}

Status MariadbColumnSupported(const OpContext& ctx, const migration::Column& column,
                              const std::string& what) {
  std::string where = fmt::format("{} column \"{}\"", what, column.name);
  if (column.generated && column.generated->identity) {
    return MariadbRefusal(ctx, where +
                                   " is an identity column, which MariaDB does not have; use "
                                   "an `sql` operation with AUTO_INCREMENT");
  }
  if (column.generated) {
    return MariadbRefusal(ctx, where +
                                   " is generated, and MariaDB adds a stored generated column "
                                   "only by copying the table under a shared lock; use an `sql` "
                                   "operation if the table is small");
  }
  return Status::Ok();
}

}  // namespace zs::ops
