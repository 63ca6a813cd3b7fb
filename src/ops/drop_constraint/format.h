// The `drop_constraint` operation of the migration format: its fields, read from YAML
// and written to JSON (format.cc). The Operation class is drop_constraint.h.
#pragma once

#include <string>

#include "migration/format_fwd.h"
#include "migration/parts.h"

namespace zs::migration {

struct OpDropConstraint {
  std::string table;
  std::string name;
  std::string up;
  std::string down;

  bool operator==(const OpDropConstraint&) const = default;
};

// Reads the mapping under `drop_constraint:`; errors name `what` and file:line:column.
Result<OpDropConstraint> ParseDropConstraint(const Source& src, const YAML::Node& node,
                                             const std::string& what);

// Keys as in the pgroll format; fields at their default value are left out.
Json ToJsonValue(const OpDropConstraint& op);

}  // namespace zs::migration
