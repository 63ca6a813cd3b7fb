// The `drop_table` operation of the migration format: its fields, read from YAML
// and written to JSON (format.cc). The Operation class is drop_table.h.
#pragma once

#include <string>

#include "migration/format_fwd.h"
#include "migration/parts.h"

namespace zs::migration {

struct OpDropTable {
  std::string name;

  bool operator==(const OpDropTable&) const = default;
};

// Reads the mapping under `drop_table:`; errors name `what` and file:line:column.
Result<OpDropTable> ParseDropTable(const Source& src, const YAML::Node& node,
                                   const std::string& what);

// Keys as in the pgroll format; fields at their default value are left out.
Json ToJsonValue(const OpDropTable& op);

}  // namespace zs::migration
