// The `alter_column` operation of the migration format: its fields, read from YAML
// and written to JSON (format.cc). The Operation class is alter_column.h.
#pragma once

#include <optional>
#include <string>

#include "migration/format_fwd.h"
#include "migration/parts.h"

namespace zs::migration {

struct UniqueConstraint {
  std::string name;

  bool operator==(const UniqueConstraint&) const = default;
};

struct OpAlterColumn {
  std::string table;
  std::string column;
  std::optional<std::string> type;
  std::optional<bool> nullable;
  std::optional<NullableString> default_value;
  std::optional<NullableString> comment;
  std::optional<CheckConstraint> check;
  std::optional<UniqueConstraint> unique;
  std::optional<ForeignKeyReference> references;
  std::string up;
  std::string down;

  bool operator==(const OpAlterColumn&) const = default;
};

// Reads the mapping under `alter_column:`; errors name `what` and file:line:column.
Result<OpAlterColumn> ParseAlterColumn(const Source& src, const YAML::Node& node,
                                       const std::string& what);

// Keys as in the pgroll format; fields at their default value are left out.
Json ToJsonValue(const UniqueConstraint& unique);
Json ToJsonValue(const OpAlterColumn& op);

}  // namespace zs::migration
