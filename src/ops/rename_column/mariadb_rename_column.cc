#include "ops/rename_column/mariadb_rename_column.h"

#include <fmt/format.h>

#include "ops/mariadb_sql.h"

namespace zs::ops {

namespace {

// Renamed at complete with an INSTANT RENAME COLUMN IF EXISTS: once renamed,
// a repeat finds no column of the old name and does nothing.
class MariadbRenameColumn final : public OperationSql<RenameColumn> {
 public:
  Status Supports(const RenameColumn&, const OpContext&) const override { return Status::Ok(); }
  Result<std::vector<Action>> Start(const RenameColumn&, const OpContext&) const override {
    return std::vector<Action>{};
  }
  Result<std::vector<Action>> Complete(const RenameColumn& rename,
                                       const OpContext& ctx) const override {
    const migration::OpRenameColumn& op = rename.op();
    const schema::Table& table = *ctx.before->FindTable(op.table);
    const std::string& column = table.FindColumn(op.from)->physical_name;
    return std::vector<Action>{MariadbAction(
        fmt::format("rename_column:{}.{}:rename", op.table, op.from),
        fmt::format("ALTER TABLE {} RENAME COLUMN IF EXISTS {} TO {}, ALGORITHM=INSTANT, "
                    "LOCK=NONE;",
                    MariadbTableName(ctx, table.physical_name), MariadbQuote(ctx, column),
                    MariadbQuote(ctx, op.to)),
        table.physical_name, MariadbLock::kBrief, CompletePhase::kRename)};
  }
  Result<std::vector<Action>> Rollback(const RenameColumn&, const OpContext&) const override {
    return std::vector<Action>{};
  }
};

}  // namespace

const OperationSql<RenameColumn>& MariadbRenameColumnSql() {
  static const MariadbRenameColumn sql;
  return sql;
}

}  // namespace zs::ops
