#include "ops/drop_multicolumn_constraint/format.h"

#include "migration/parts_format.h"
#include "migration/reading.h"

namespace zs::migration {

Result<OpDropMultiColumnConstraint> ParseDropMultiColumnConstraint(const Source& src,
                                                                   const YAML::Node& node,
                                                                   const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"table", "name", "up", "down"},
                                                   {"table", "name"}));
  OpDropMultiColumnConstraint op;
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_RETURN_IF_ERROR(m.Get("name", &op.name));
  ZS_RETURN_IF_ERROR(m.Get("up", &op.up));
  ZS_RETURN_IF_ERROR(m.Get("down", &op.down));
  return op;
}

Json ToJsonValue(const OpDropMultiColumnConstraint& op) {
  Json j = {{"table", op.table}, {"name", op.name}};
  PutIf(j, "up", op.up);
  PutIf(j, "down", op.down);
  return j;
}

}  // namespace zs::migration
