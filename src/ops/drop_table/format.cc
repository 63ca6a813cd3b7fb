#include "ops/drop_table/format.h"

#include "migration/parts_format.h"
#include "migration/reading.h"

namespace zs::migration {

Result<OpDropTable> ParseDropTable(const Source& src, const YAML::Node& node,
                                   const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"name"}, {"name"}));
  OpDropTable op;
  ZS_RETURN_IF_ERROR(m.Get("name", &op.name));
  return op;
}

Json ToJsonValue(const OpDropTable& op) { return {{"name", op.name}}; }

}  // namespace zs::migration
