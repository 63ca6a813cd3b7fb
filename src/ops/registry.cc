// The class half of the registry (registry.h).
#include "ops/registry.h"

#include "ops/add_column/add_column.h"
#include "ops/alter_column/alter_column.h"
#include "ops/create_constraint/create_constraint.h"
#include "ops/create_index/create_index.h"
#include "ops/create_table/create_table.h"
#include "ops/drop_column/drop_column.h"
#include "ops/drop_constraint/drop_constraint.h"
#include "ops/drop_index/drop_index.h"
#include "ops/drop_multicolumn_constraint/drop_multicolumn_constraint.h"
#include "ops/drop_table/drop_table.h"
#include "ops/raw_sql/raw_sql.h"
#include "ops/rename_column/rename_column.h"
#include "ops/rename_constraint/rename_constraint.h"
#include "ops/rename_table/rename_table.h"
#include "ops/set_replica_identity/set_replica_identity.h"

namespace zs::ops {
namespace {

using migration::OperationBody;
using MakeFn = Result<std::unique_ptr<Operation>> (*)(const OperationBody& body);

template <typename Body, typename Op>
Result<std::unique_ptr<Operation>> Make(const OperationBody& body) {
  return std::unique_ptr<Operation>(std::make_unique<Op>(std::get<Body>(body)));
}

struct Maker {
  size_t index;  // the body's alternative in OperationBody
  MakeFn make;
};

template <typename Body, typename Op>
constexpr Maker Row() {
  return {BodyIndex<Body>(), &Make<Body, Op>};
}

using namespace migration;

constexpr Maker kMakers[] = {
    Row<OpCreateTable, CreateTable>(),
    Row<OpAddColumn, AddColumn>(),
    Row<OpDropColumn, DropColumn>(),
    Row<OpRenameColumn, RenameColumn>(),
    Row<OpAlterColumn, AlterColumn>(),
    Row<OpDropTable, DropTable>(),
    Row<OpRenameTable, RenameTable>(),
    Row<OpRawSql, RawSql>(),
    Row<OpCreateIndex, CreateIndex>(),
    Row<OpDropIndex, DropIndex>(),
    Row<OpDropConstraint, DropConstraint>(),
    Row<OpDropMultiColumnConstraint, DropMultiColumnConstraint>(),
    Row<OpRenameConstraint, RenameConstraint>(),
    Row<OpSetReplicaIdentity, SetReplicaIdentity>(),
    Row<OpCreateConstraint, CreateConstraint>(),
};
static_assert(InBodyOrder(kMakers), "one row per OperationBody alternative, in its order");

}  // namespace

Result<std::unique_ptr<Operation>> MakeOperation(const migration::Operation& op) {
  return kMakers[op.body.index()].make(op.body);
}

}  // namespace zs::ops
