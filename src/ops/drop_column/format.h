// The `drop_column` operation of the migration format: its fields, read from YAML
// and written to JSON (format.cc). The Operation class is drop_column.h.
#pragma once

#include <string>

#include "migration/format_fwd.h"
#include "migration/parts.h"

namespace zs::migration {

struct OpDropColumn {
  std::string table;
  std::string column;
  std::string down;

  bool operator==(const OpDropColumn&) const = default;
};

// Reads the mapping under `drop_column:`; errors name `what` and file:line:column.
Result<OpDropColumn> ParseDropColumn(const Source& src, const YAML::Node& node,
                                     const std::string& what);

// Keys as in the pgroll format; fields at their default value are left out.
Json ToJsonValue(const OpDropColumn& op);

}  // namespace zs::migration
