// The `sql` operation of the migration format: its fields, read from YAML
// and written to JSON (format.cc). The Operation class is raw_sql.h.
#pragma once

#include <string>

#include "migration/format_fwd.h"
#include "migration/parts.h"

namespace zs::migration {

struct OpRawSql {
  std::string up;
  std::string down;
  bool on_complete = false;

  bool operator==(const OpRawSql&) const = default;
};

// Reads the mapping under `sql:`; errors name `what` and file:line:column.
Result<OpRawSql> ParseRawSql(const Source& src, const YAML::Node& node, const std::string& what);

// Keys as in the pgroll format; fields at their default value are left out.
Json ToJsonValue(const OpRawSql& op);

}  // namespace zs::migration
