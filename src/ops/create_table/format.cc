#include "ops/create_table/format.h"

#include "migration/parts_format.h"
#include "migration/reading.h"

namespace zs::migration {

Result<OpCreateTable> ParseCreateTable(const Source& src, const YAML::Node& node,
                                       const std::string& what) {
  ZS_ASSIGN_OR_RETURN(
      StrictMap m, StrictMap::Open(src, node, what, {"name", "columns", "comment", "constraints"},
                                   {"name", "columns"}));
  OpCreateTable op;
  ZS_RETURN_IF_ERROR(m.Get("name", &op.name));
  ZS_RETURN_IF_ERROR(m.GetList("columns", ParseColumn, &op.columns));
  ZS_RETURN_IF_ERROR(m.Get("comment", &op.comment));
  ZS_RETURN_IF_ERROR(m.GetList("constraints", ParseConstraint, &op.constraints));
  return op;
}

Json ToJsonValue(const OpCreateTable& op) {
  Json j = {{"name", op.name}, {"columns", ListToJson(op.columns)}};
  PutIf(j, "comment", op.comment);
  if (!op.constraints.empty()) j["constraints"] = ListToJson(op.constraints);
  return j;
}

}  // namespace zs::migration
