// The `add_column` operation of the migration format: its fields, read from YAML
// and written to JSON (format.cc). The Operation class is add_column.h.
#pragma once

#include <string>

#include "migration/format_fwd.h"
#include "migration/parts.h"

namespace zs::migration {

struct OpAddColumn {
  std::string table;
  Column column;
  std::string up;

  bool operator==(const OpAddColumn&) const = default;
};

// Reads the mapping under `add_column:`; errors name `what` and file:line:column.
Result<OpAddColumn> ParseAddColumn(const Source& src, const YAML::Node& node,
                                   const std::string& what);

// Keys as in the pgroll format; fields at their default value are left out.
Json ToJsonValue(const OpAddColumn& op);

}  // namespace zs::migration
