// The `create_table` operation of the migration format: its fields, read from YAML
// and written to JSON (format.cc). The Operation class is create_table.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "migration/format_fwd.h"
#include "migration/parts.h"

namespace zs::migration {

struct OpCreateTable {
  std::string name;
  std::vector<Column> columns;
  std::optional<std::string> comment;
  std::vector<Constraint> constraints;

  bool operator==(const OpCreateTable&) const = default;
};

// Reads the mapping under `create_table:`; errors name `what` and file:line:column.
Result<OpCreateTable> ParseCreateTable(const Source& src, const YAML::Node& node,
                                       const std::string& what);

// Keys as in the pgroll format; fields at their default value are left out.
Json ToJsonValue(const OpCreateTable& op);

}  // namespace zs::migration
