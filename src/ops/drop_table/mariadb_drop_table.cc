#include "ops/drop_table/mariadb_drop_table.h"

#include "ops/mariadb_sql.h"

namespace zs::ops {

namespace {

// Soft at start (the new version's views leave the table out), dropped at
// complete; IF EXISTS makes the drop safe to repeat.
class MariadbDropTable final : public OperationSql<DropTable> {
 public:
  Status Supports(const DropTable&, const OpContext&) const override { return Status::Ok(); }
  Result<std::vector<Action>> Start(const DropTable&, const OpContext&) const override {
    return std::vector<Action>{};
  }
  Result<std::vector<Action>> Complete(const DropTable& op, const OpContext& ctx) const override {
    const std::string& table = ctx.before->FindTable(op.op().name)->physical_name;
    return std::vector<Action>{MariadbAction(
        "drop_table:" + op.op().name + ":drop",
        "DROP TABLE IF EXISTS " + MariadbTableName(ctx, table) + ";", table, MariadbLock::kBrief)};
  }
  Result<std::vector<Action>> Rollback(const DropTable&, const OpContext&) const override {
    return std::vector<Action>{};
  }
};

}  // namespace

const OperationSql<DropTable>& MariadbDropTableSql() {
  static const MariadbDropTable sql;
  return sql;
}

}  // namespace zs::ops
