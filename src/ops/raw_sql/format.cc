#include "ops/raw_sql/format.h"

#include "migration/parts_format.h"
#include "migration/reading.h"

namespace zs::migration {

// The schema's oneOf: a statement that runs on complete has nothing to undo.
Result<OpRawSql> ParseRawSql(const Source& src, const YAML::Node& node, const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m,
                      StrictMap::Open(src, node, what, {"up", "down", "onComplete"}, {"up"}));
  OpRawSql op;
  ZS_RETURN_IF_ERROR(m.Get("up", &op.up));
  ZS_RETURN_IF_ERROR(m.Get("down", &op.down));
  ZS_RETURN_IF_ERROR(m.Get("onComplete", &op.on_complete));
  if (m.Find("down") && m.Find("onComplete")) {
    return ErrorAt(src, *m.Find("onComplete"),
                   fmt::format("{} cannot have both \"down\" and \"onComplete\"", what));
  }
  return op;
}

Json ToJsonValue(const OpRawSql& op) {
  Json j = {{"up", op.up}};
  PutIf(j, "down", op.down);
  PutIf(j, "onComplete", op.on_complete);
  return j;
}

}  // namespace zs::migration
