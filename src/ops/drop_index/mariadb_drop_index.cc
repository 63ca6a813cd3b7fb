#include "ops/drop_index/mariadb_drop_index.h"

#include <fmt/format.h>

#include "ops/mariadb_sql.h"

namespace zs::ops {

namespace {

const schema::Table* MariadbTableOfIndex(const schema::Schema& schema, const std::string& name) {
  for (const auto& table : schema.tables) {
    for (const auto& index : table.indexes) {
      if (index.name == name) return &table;
    }
  }
  return nullptr;
}

// Dropped at complete, in place without blocking writes (INSTANT cannot drop
// an index); DROP INDEX IF EXISTS is safe to repeat.
class MariadbDropIndex final : public OperationSql<DropIndex> {
 public:
  Status Supports(const DropIndex&, const OpContext&) const override { return Status::Ok(); }
  Result<std::vector<Action>> Start(const DropIndex&, const OpContext&) const override {
    return std::vector<Action>{};
  }
  Result<std::vector<Action>> Complete(const DropIndex& drop, const OpContext& ctx) const override {
    const schema::Table* table = MariadbTableOfIndex(*ctx.before, drop.op().name);
    if (table == nullptr) {
      return NotFound(fmt::format("{}: index \"{}\" does not exist in database \"{}\"", ctx.where,
                                  drop.op().name, ctx.before->name));
    }
    return std::vector<Action>{MariadbAction(
        "drop_index:" + drop.op().name,
        fmt::format("ALTER TABLE {} DROP INDEX IF EXISTS {}, ALGORITHM=INPLACE, LOCK=NONE;",
                    MariadbTableName(ctx, table->physical_name), MariadbQuote(ctx, drop.op().name)),
        table->physical_name, MariadbLock::kOnline, CompletePhase::kPrepare)};
  }
  Result<std::vector<Action>> Rollback(const DropIndex&, const OpContext&) const override {
    return std::vector<Action>{};
  }
};

}  // namespace

const OperationSql<DropIndex>& MariadbDropIndexSql() {
  static const MariadbDropIndex sql;
  return sql;
}

}  // namespace zs::ops
