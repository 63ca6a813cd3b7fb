#include "ops/drop_column/format.h"

#include "migration/parts_format.h"
#include "migration/reading.h"

namespace zs::migration {

Result<OpDropColumn> ParseDropColumn(const Source& src, const YAML::Node& node,
                                     const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"table", "column", "down"},
                                                   {"table", "column"}));
  OpDropColumn op;
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_RETURN_IF_ERROR(m.Get("column", &op.column));
  ZS_RETURN_IF_ERROR(m.Get("down", &op.down));
  return op;
}

Json ToJsonValue(const OpDropColumn& op) {
  Json j = {{"table", op.table}, {"column", op.column}};
  PutIf(j, "down", op.down);
  return j;
}

}  // namespace zs::migration
