#include "ops/create_index/mariadb_create_index.h"

#include <fmt/format.h>

#include "ops/mariadb_sql.h"

namespace zs::ops {

namespace {

// Built at start in place while writes go on (ALGORITHM=INPLACE, LOCK=NONE);
// CREATE INDEX IF NOT EXISTS is safe to repeat, and a failed build leaves no
// index behind (unlike PostgreSQL's INVALID one), so no validity check.
class MariadbCreateIndex final : public OperationSql<CreateIndex> {
 public:
  Status Supports(const CreateIndex& index, const OpContext& ctx) const override {
    const migration::OpCreateIndex& op = index.op();
    std::string what = fmt::format("index \"{}\"", op.name);
    if (op.method != "btree") {
      return MariadbRefusal(ctx, fmt::format("{} uses method {}; InnoDB builds btree indexes "
                                             "only, remove `method`",
                                             what, op.method));
    }
    if (!op.predicate.empty()) {
      return MariadbRefusal(ctx, what +
                                     " has a predicate; MariaDB has no partial indexes, "
                                     "index the whole column");
    }
    if (!op.storage_parameters.empty()) {
      return MariadbRefusal(ctx, what +
                                     " has storage_parameters, which are PostgreSQL's; "
                                     "remove them");
    }
    for (const auto& field : op.columns) {
      if (field.opclass || !field.collate.empty() || !field.nulls.empty()) {
        return MariadbRefusal(ctx, fmt::format("{} column \"{}\" has an opclass, collate or "
                                               "nulls order, which MariaDB indexes do not take; "
                                               "remove them",
                                               what, field.column));
      }
    }
    return Status::Ok();
  }

  Result<std::vector<Action>> Start(const CreateIndex& index, const OpContext& ctx) const override {
    const migration::OpCreateIndex& op = index.op();
    const schema::Table& table = *ctx.before->FindTable(op.table);
    std::string fields;
    for (const auto& field : op.columns) {
      fields += (fields.empty() ? "" : ", ") +
                MariadbQuote(ctx, table.FindColumn(field.column)->physical_name) +
                (field.sort.empty() ? "" : " " + field.sort);
    }
    return std::vector<Action>{MariadbAction(
        "create_index:" + op.name,
        fmt::format("CREATE {}INDEX IF NOT EXISTS {} ON {} ({}) ALGORITHM=INPLACE LOCK=NONE;",
                    op.unique ? "UNIQUE " : "", MariadbQuote(ctx, op.name),
                    MariadbTableName(ctx, table.physical_name), fields),
        table.physical_name, MariadbLock::kOnline)};
  }

  Result<std::vector<Action>> Complete(const CreateIndex&, const OpContext&) const override {
    return std::vector<Action>{};
  }

  Result<std::vector<Action>> Rollback(const CreateIndex& index,
                                       const OpContext& ctx) const override {
    const schema::Table& table = *ctx.before->FindTable(index.op().table);
    return std::vector<Action>{MariadbAction(
        "create_index:" + index.op().name + ":drop",
        fmt::format("ALTER TABLE {} DROP INDEX IF EXISTS {}, ALGORITHM=INPLACE, LOCK=NONE;",
                    MariadbTableName(ctx, table.physical_name), MariadbQuote(ctx, index.op().name)),
        table.physical_name, MariadbLock::kOnline)};
  }
};

}  // namespace

const OperationSql<CreateIndex>& MariadbCreateIndexSql() {
  static const MariadbCreateIndex sql;
  return sql;
}

}  // namespace zs::ops
