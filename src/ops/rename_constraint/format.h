// The `rename_constraint` operation of the migration format: its fields, read from YAML
// and written to JSON (format.cc). The Operation class is rename_constraint.h.
#pragma once

#include <string>

#include "migration/format_fwd.h"
#include "migration/parts.h"

namespace zs::migration {

struct OpRenameConstraint {
  std::string table;
  std::string from;
  std::string to;

  bool operator==(const OpRenameConstraint&) const = default;
};

// Reads the mapping under `rename_constraint:`; errors name `what` and file:line:column.
Result<OpRenameConstraint> ParseRenameConstraint(const Source& src, const YAML::Node& node,
                                                 const std::string& what);

// Keys as in the pgroll format; fields at their default value are left out.
Json ToJsonValue(const OpRenameConstraint& op);

}  // namespace zs::migration
