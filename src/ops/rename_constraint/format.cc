#include "ops/rename_constraint/format.h"

#include "migration/parts_format.h"
#include "migration/reading.h"

namespace zs::migration {

Result<OpRenameConstraint> ParseRenameConstraint(const Source& src, const YAML::Node& node,
                                                 const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"table", "from", "to"},
                                                   {"table", "from", "to"}));
  OpRenameConstraint op;
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_RETURN_IF_ERROR(m.Get("from", &op.from));
  ZS_RETURN_IF_ERROR(m.Get("to", &op.to));
  return op;
}

Json ToJsonValue(const OpRenameConstraint& op) {
  return {{"table", op.table}, {"from", op.from}, {"to", op.to}};
}

}  // namespace zs::migration
