// The `rename_column` operation of the migration format: its fields, read from YAML
// and written to JSON (format.cc). The Operation class is rename_column.h.
#pragma once

#include <string>

#include "migration/format_fwd.h"
#include "migration/parts.h"

namespace zs::migration {

struct OpRenameColumn {
  std::string table;
  std::string from;
  std::string to;

  bool operator==(const OpRenameColumn&) const = default;
};

// Reads the mapping under `rename_column:`; errors name `what` and file:line:column.
Result<OpRenameColumn> ParseRenameColumn(const Source& src, const YAML::Node& node,
                                         const std::string& what);

// Keys as in the pgroll format; fields at their default value are left out.
Json ToJsonValue(const OpRenameColumn& op);

}  // namespace zs::migration
