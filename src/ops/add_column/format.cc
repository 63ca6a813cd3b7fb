#include "ops/add_column/format.h"

#include "migration/parts_format.h"
#include "migration/reading.h"

namespace zs::migration {

Result<OpAddColumn> ParseAddColumn(const Source& src, const YAML::Node& node,
                                   const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"table", "column", "up"},
                                                   {"table", "column"}));
  OpAddColumn op;
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_RETURN_IF_ERROR(m.GetObject("column", ParseColumn, &op.column));
  ZS_RETURN_IF_ERROR(m.Get("up", &op.up));
  return op;
}

Json ToJsonValue(const OpAddColumn& op) {
  Json j = {{"table", op.table}, {"column", ToJsonValue(op.column)}};
  PutIf(j, "up", op.up);
  return j;
}

}  // namespace zs::migration
