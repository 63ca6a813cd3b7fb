#include "ops/rename_table/mariadb_rename_table.h"

#include "ops/mariadb_sql.h"

namespace zs::ops {

namespace {

// Renamed at complete. RENAME TABLE IF EXISTS is a no-op once done, so a
// repeat after a crash succeeds (MariaDB 10.5.2 and later).
class MariadbRenameTable final : public OperationSql<RenameTable> {
 public:
  Status Supports(const RenameTable&, const OpContext&) const override { return Status::Ok(); }
  Result<std::vector<Action>> Start(const RenameTable&, const OpContext&) const override {
    return std::vector<Action>{};
  }
  Result<std::vector<Action>> Complete(const RenameTable& op, const OpContext& ctx) const override {
    const std::string& table = ctx.before->FindTable(op.op().from)->physical_name;
    return std::vector<Action>{MariadbAction("rename_table:" + op.op().from + ":rename",
                                             "RENAME TABLE IF EXISTS " +
                                                 MariadbTableName(ctx, table) + " TO " +
                                                 MariadbTableName(ctx, op.op().to) + ";",
                                             table, MariadbLock::kBrief, CompletePhase::kRename)};
  }
  Result<std::vector<Action>> Rollback(const RenameTable&, const OpContext&) const override {
    return std::vector<Action>{};
  }
};

}  // namespace

const OperationSql<RenameTable>& MariadbRenameTableSql() {
  static const MariadbRenameTable sql;
  return sql;
}

}  // namespace zs::ops
