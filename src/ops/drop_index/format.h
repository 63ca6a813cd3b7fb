// The `drop_index` operation of the migration format: its fields, read from YAML
// and written to JSON (format.cc). The Operation class is drop_index.h.
#pragma once

#include <string>

#include "migration/format_fwd.h"
#include "migration/parts.h"

namespace zs::migration {

struct OpDropIndex {
  std::string name;

  bool operator==(const OpDropIndex&) const = default;
};

// Reads the mapping under `drop_index:`; errors name `what` and file:line:column.
Result<OpDropIndex> ParseDropIndex(const Source& src, const YAML::Node& node,
                                   const std::string& what);

// Keys as in the pgroll format; fields at their default value are left out.
Json ToJsonValue(const OpDropIndex& op);

}  // namespace zs::migration
