#include "ops/drop_column/mariadb_drop_column.h"

#include <fmt/format.h>

#include "ops/mariadb_sql.h"

namespace zs::ops {

namespace {

// Soft at start (the new version's views leave the column out; `down` fills
// it for the new version's inserts), dropped at complete. LOCK=NONE without
// an ALGORITHM: MariaDB drops instantly unless an index covers the column,
// then in place; DROP COLUMN IF EXISTS is safe to repeat.
class MariadbDropColumn final : public OperationSql<DropColumn> {
 public:
  Status Supports(const DropColumn&, const OpContext&) const override { return Status::Ok(); }
  Result<std::vector<Action>> Start(const DropColumn&, const OpContext&) const override {
    return std::vector<Action>{};
  }
  Result<std::vector<Action>> Complete(const DropColumn& drop,
                                       const OpContext& ctx) const override {
    const migration::OpDropColumn& op = drop.op();
    const schema::Table& table = *ctx.before->FindTable(op.table);
    return std::vector<Action>{
        MariadbAction(fmt::format("drop_column:{}.{}:drop", op.table, op.column),
                      fmt::format("ALTER TABLE {} DROP COLUMN IF EXISTS {}, LOCK=NONE;",
                                  MariadbTableName(ctx, table.physical_name),
                                  MariadbQuote(ctx, table.FindColumn(op.column)->physical_name)),
                      table.physical_name, MariadbLock::kBrief)};
  }
  Result<std::vector<Action>> Rollback(const DropColumn&, const OpContext&) const override {
    return std::vector<Action>{};
  }
};

}  // namespace

const OperationSql<DropColumn>& MariadbDropColumnSql() {
  static const MariadbDropColumn sql;
  return sql;
}

}  // namespace zs::ops
