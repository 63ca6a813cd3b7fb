#include "ops/set_replica_identity/format.h"

#include "migration/parts_format.h"
#include "migration/reading.h"

namespace zs::migration {

Result<OpSetReplicaIdentity> ParseSetReplicaIdentity(const Source& src, const YAML::Node& node,
                                                     const std::string& what) {
  ZS_ASSIGN_OR_RETURN(
      StrictMap m, StrictMap::Open(src, node, what, {"table", "identity"}, {"table", "identity"}));
  OpSetReplicaIdentity op;
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_ASSIGN_OR_RETURN(StrictMap identity,
                      StrictMap::Open(src, *m.Find("identity"), what + ".identity",
                                      {"type", "index"}, {"type", "index"}));
  ZS_RETURN_IF_ERROR(identity.Get("type", &op.identity_type));
  ZS_RETURN_IF_ERROR(identity.Get("index", &op.index));
  return op;
}

Json ToJsonValue(const OpSetReplicaIdentity& op) {
  return {{"table", op.table}, {"identity", {{"type", op.identity_type}, {"index", op.index}}}};
}

}  // namespace zs::migration
