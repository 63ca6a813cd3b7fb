#include "ops/rename_table/format.h"

#include "migration/parts_format.h"
#include "migration/reading.h"

namespace zs::migration {

Result<OpRenameTable> ParseRenameTable(const Source& src, const YAML::Node& node,
                                       const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m,
                      StrictMap::Open(src, node, what, {"from", "to"}, {"from", "to"}));
  OpRenameTable op;
  ZS_RETURN_IF_ERROR(m.Get("from", &op.from));
  ZS_RETURN_IF_ERROR(m.Get("to", &op.to));
  return op;
}

Json ToJsonValue(const OpRenameTable& op) { return {{"from", op.from}, {"to", op.to}}; }

}  // namespace zs::migration
