#include "ops/drop_column/mariadb_drop_column.h"

#include <fmt/format.h>

#include <algorithm>

#include "ops/mariadb_sql.h"
#include "ops/mariadb_swap_rules.h"
#include "schema/mariadb_reader.h"

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
    const std::string& physical = table.FindColumn(op.column)->physical_name;
    std::vector<Action> actions;
    // A CHECK zeroshift enforces with triggers goes with a column it reads,
    // as PostgreSQL drops a CHECK with its column: left behind, its triggers
    // would fail every write once the column is gone.
    for (const auto& constraint : table.constraints) {
      if (!schema::MariadbCheckByTriggers(constraint) ||
          std::find(constraint.columns.begin(), constraint.columns.end(), physical) ==
              constraint.columns.end()) {
        continue;
      }
      auto [insert, update] = MariadbCheckTriggerNames(AddedConstraint{.name = constraint.name});
      for (const std::string& trigger : {insert, update}) {
        actions.push_back(MariadbAction(
            fmt::format("drop_column:{}.{}:drop_check_trigger:{}", op.table, op.column, trigger),
            fmt::format("DROP TRIGGER IF EXISTS {}.{};", MariadbQuote(ctx, ctx.before->name),
                        MariadbQuote(ctx, trigger)),
            table.physical_name, MariadbLock::kBrief));
      }
    }
    actions.push_back(MariadbAction(
        fmt::format("drop_column:{}.{}:drop", op.table, op.column),
        fmt::format("ALTER TABLE {} DROP COLUMN IF EXISTS {}, LOCK=NONE;",
                    MariadbTableName(ctx, table.physical_name), MariadbQuote(ctx, physical)),
        table.physical_name, MariadbLock::kBrief));
    return actions;
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
