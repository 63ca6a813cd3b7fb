// The `set_replica_identity` operation of the migration format: its fields, read from YAML
// and written to JSON (format.cc). The Operation class is set_replica_identity.h.
#pragma once

#include <string>

#include "migration/format_fwd.h"
#include "migration/parts.h"

namespace zs::migration {

struct OpSetReplicaIdentity {
  std::string table;
  std::string identity_type;  // DEFAULT | FULL | NOTHING | INDEX (as written)
  std::string index;

  bool operator==(const OpSetReplicaIdentity&) const = default;
};

// Reads the mapping under `set_replica_identity:`; errors name `what` and file:line:column.
Result<OpSetReplicaIdentity> ParseSetReplicaIdentity(const Source& src, const YAML::Node& node,
                                                     const std::string& what);

// Keys as in the pgroll format; fields at their default value are left out.
Json ToJsonValue(const OpSetReplicaIdentity& op);

}  // namespace zs::migration
