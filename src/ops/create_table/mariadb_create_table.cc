#include "ops/create_table/mariadb_create_table.h"

#include <fmt/format.h>

#include "ops/column_sql.h"
#include "ops/mariadb_sql.h"

namespace zs::ops {

namespace {

// A table the migration starts from, by its physical name; the new table itself.
std::string MariadbTargetTable(const OpContext& ctx, const migration::OpCreateTable& op,
                               const std::string& name) {
  const schema::Table* table = name == op.name ? nullptr : ctx.before->FindTable(name);
  return table != nullptr ? table->physical_name : name;
}

std::vector<std::string> MariadbTargetColumns(const OpContext& ctx,
                                              const migration::OpCreateTable& op,
                                              const std::string& name,
                                              const std::vector<std::string>& columns) {
  const schema::Table* table = name == op.name ? nullptr : ctx.before->FindTable(name);
  std::vector<std::string> out;
  for (const auto& column : columns) {
    const schema::Column* found = table != nullptr ? table->FindColumn(column) : nullptr;
    out.push_back(found != nullptr ? found->physical_name : column);
  }
  return out;
}

std::string MariadbForeignKey(const OpContext& ctx, const migration::OpCreateTable& op,
                              const std::string& name, const std::vector<std::string>& columns,
                              const migration::TableForeignKeyReference& ref) {
  return fmt::format("CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {} ON UPDATE {}",
                     MariadbQuote(ctx, name), MariadbQuoteList(ctx, columns),
                     MariadbTableName(ctx, MariadbTargetTable(ctx, op, ref.table)),
                     MariadbQuoteList(ctx, MariadbTargetColumns(ctx, op, ref.table, ref.columns)),
                     ref.on_delete, ref.on_update);
}

Status MariadbConstraintSupported(const OpContext& ctx, const migration::OpCreateTable& op,
                                  const migration::Constraint& c) {
  std::string what = fmt::format("table \"{}\" constraint \"{}\"", op.name, c.name);
  if (c.type == "exclude") {
    return MariadbRefusal(ctx, what + " is an exclusion constraint, which MariaDB does not have");
  }
  if (c.deferrable || c.initially_deferred || c.no_inherit || c.nulls_not_distinct ||
      c.index_parameters) {
    return MariadbRefusal(ctx, what +
                                   " uses deferrable, no_inherit, nulls_not_distinct or "
                                   "index_parameters, which MariaDB does not have; remove them");
  }
  if (c.references &&
      (c.references->match_type != "SIMPLE" || !c.references->on_delete_set_columns.empty())) {
    return MariadbRefusal(ctx, what +
                                   " uses MATCH FULL or on_delete_set_columns, which MariaDB "
                                   "does not enforce; remove them");
  }
  return Status::Ok();
}

Status MariadbCreateColumnSupported(const OpContext& ctx, const migration::OpCreateTable& op,
                                    const migration::Column& column) {
  std::string what = fmt::format("table \"{}\" column \"{}\"", op.name, column.name);
  if (column.generated) {
    return MariadbRefusal(ctx, what +
                                   " is generated or an identity, which zeroshift does not "
                                   "write for MariaDB yet; create the table with an `sql` "
                                   "operation (AUTO_INCREMENT, AS (...) STORED)");
  }
  if (column.references &&
      (column.references->match_type != "SIMPLE" || column.references->deferrable ||
       column.references->initially_deferred)) {
    return MariadbRefusal(ctx, what +
                                   " references with MATCH FULL or DEFERRABLE, which MariaDB "
                                   "does not enforce; remove them");
  }
  if (column.check && column.check->no_inherit) {
    return MariadbRefusal(ctx, what + " has a NO INHERIT check; MariaDB has no inheritance");
  }
  return Status::Ok();
}

// The table's parts: columns, then primary key, unique keys, checks, foreign keys.
std::vector<std::string> MariadbTableParts(const OpContext& ctx,
                                           const migration::OpCreateTable& op) {
  std::vector<std::string> parts;
  std::vector<std::string> pk;
  for (const auto& column : op.columns) {
    parts.push_back(MariadbColumnDefinition(ctx, column, !column.nullable || column.pk));
    if (column.pk) pk.push_back(column.name);
  }
  if (!pk.empty()) parts.push_back("PRIMARY KEY (" + MariadbQuoteList(ctx, pk) + ")");
  for (const auto& column : op.columns) {
    if (column.unique) {
      parts.push_back(fmt::format("CONSTRAINT {} UNIQUE ({})",
                                  MariadbQuote(ctx, op.name + "_" + column.name + "_key"),
                                  MariadbQuote(ctx, column.name)));
    }
    if (column.check) {
      parts.push_back(fmt::format("CONSTRAINT {} CHECK {}", MariadbQuote(ctx, column.check->name),
                                  EmbedExpression(ctx, column.check->constraint)));
    }
    if (column.references) {
      const auto& ref = *column.references;
      parts.push_back(MariadbForeignKey(ctx, op, ref.name, {column.name},
                                        {.table = ref.table,
                                         .columns = {ref.column},
                                         .on_delete = ref.on_delete,
                                         .on_update = ref.on_update}));
    }
  }
  for (const auto& c : op.constraints) {
    std::string name = MariadbQuote(ctx, c.name);
    if (c.type == "primary_key") {
      parts.push_back(fmt::format("PRIMARY KEY ({})", MariadbQuoteList(ctx, c.columns)));
    } else if (c.type == "unique") {
      parts.push_back(
          fmt::format("CONSTRAINT {} UNIQUE ({})", name, MariadbQuoteList(ctx, c.columns)));
    } else if (c.type == "check") {
      parts.push_back(fmt::format("CONSTRAINT {} CHECK {}", name, EmbedExpression(ctx, c.check)));
    } else if (c.type == "foreign_key") {
      parts.push_back(MariadbForeignKey(ctx, op, c.name, c.columns, *c.references));
    }
  }
  return parts;
}

// The table is new and empty, so its constraints cost nothing: all of it is
// one CREATE TABLE IF NOT EXISTS (safe to repeat), and rollback drops it.
class MariadbCreateTable final : public OperationSql<CreateTable> {
 public:
  Status Supports(const CreateTable& create, const OpContext& ctx) const override {
    for (const auto& column : create.op().columns) {
      ZS_RETURN_IF_ERROR(MariadbCreateColumnSupported(ctx, create.op(), column));
    }
    for (const auto& c : create.op().constraints) {
      ZS_RETURN_IF_ERROR(MariadbConstraintSupported(ctx, create.op(), c));
    }
    return Status::Ok();
  }

  Result<std::vector<Action>> Start(const CreateTable& create,
                                    const OpContext& ctx) const override {
    const migration::OpCreateTable& op = create.op();
    std::vector<std::string> parts = MariadbTableParts(ctx, op);
    std::string sql = "CREATE TABLE IF NOT EXISTS " + MariadbTableName(ctx, op.name) + " (\n";
    for (size_t i = 0; i < parts.size(); ++i) {
      sql += "  " + parts[i] + (i + 1 < parts.size() ? ",\n" : "\n");
    }
    sql += ")";
    if (op.comment) sql += " COMMENT=" + ctx.backend->QuoteLiteral(*op.comment);
    return std::vector<Action>{
        MariadbAction("create_table:" + op.name, sql + ";", op.name, MariadbLock::kBrief)};
  }

  Result<std::vector<Action>> Complete(const CreateTable&, const OpContext&) const override {
    return std::vector<Action>{};
  }

  Result<std::vector<Action>> Rollback(const CreateTable& create,
                                       const OpContext& ctx) const override {
    const std::string& name = create.op().name;
    return std::vector<Action>{MariadbAction(
        "create_table:" + name + ":drop",
        "DROP TABLE IF EXISTS " + MariadbTableName(ctx, name) + ";", name, MariadbLock::kBrief)};
  }
};

}  // namespace

const OperationSql<CreateTable>& MariadbCreateTableSql() {
  static const MariadbCreateTable sql;
  return sql;
}

}  // namespace zs::ops
