// The `rename_table` operation of the migration format: its fields, read from YAML
// and written to JSON (format.cc). The Operation class is rename_table.h.
#pragma once

#include <string>

#include "migration/format_fwd.h"
#include "migration/parts.h"

namespace zs::migration {

struct OpRenameTable {
  std::string from;
  std::string to;

  bool operator==(const OpRenameTable&) const = default;
};

// Reads the mapping under `rename_table:`; errors name `what` and file:line:column.
Result<OpRenameTable> ParseRenameTable(const Source& src, const YAML::Node& node,
                                       const std::string& what);

// Keys as in the pgroll format; fields at their default value are left out.
Json ToJsonValue(const OpRenameTable& op);

}  // namespace zs::migration
