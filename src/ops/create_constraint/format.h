// The `create_constraint` operation of the migration format: its fields, read from YAML
// and written to JSON (format.cc). The Operation class is create_constraint.h.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "migration/format_fwd.h"
#include "migration/parts.h"

namespace zs::migration {

struct OpCreateConstraint {
  std::string table;
  std::string name;
  std::string type;  // unique | check | foreign_key | primary_key
  std::vector<std::string> columns;
  std::string check;
  bool no_inherit = false;
  std::optional<IndexParameters> index_parameters;
  std::optional<TableForeignKeyReference> references;
  std::map<std::string, std::string> up;
  std::map<std::string, std::string> down;

  bool operator==(const OpCreateConstraint&) const = default;
};

// Reads the mapping under `create_constraint:`; errors name `what` and file:line:column.
Result<OpCreateConstraint> ParseCreateConstraint(const Source& src, const YAML::Node& node,
                                                 const std::string& what);

// Keys as in the pgroll format; fields at their default value are left out.
Json ToJsonValue(const OpCreateConstraint& op);

}  // namespace zs::migration
