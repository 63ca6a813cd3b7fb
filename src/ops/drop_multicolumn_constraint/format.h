// The `drop_multicolumn_constraint` operation of the migration format: its fields, read from YAML
// and written to JSON (format.cc). The Operation class is drop_multicolumn_constraint.h.
#pragma once

#include <map>
#include <string>

#include "migration/format_fwd.h"
#include "migration/parts.h"

namespace zs::migration {

struct OpDropMultiColumnConstraint {
  std::string table;
  std::string name;
  std::map<std::string, std::string> up;    // column -> expression
  std::map<std::string, std::string> down;  // column -> expression

  bool operator==(const OpDropMultiColumnConstraint&) const = default;
};

// Reads the mapping under `drop_multicolumn_constraint:`; errors name `what` and file:line:column.
Result<OpDropMultiColumnConstraint> ParseDropMultiColumnConstraint(const Source& src,
                                                                   const YAML::Node& node,
                                                                   const std::string& what);

// Keys as in the pgroll format; fields at their default value are left out.
Json ToJsonValue(const OpDropMultiColumnConstraint& op);

}  // namespace zs::migration
