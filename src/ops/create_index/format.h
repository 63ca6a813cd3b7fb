// The `create_index` operation of the migration format: its fields, read from YAML
// and written to JSON (format.cc). The Operation class is create_index.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "migration/format_fwd.h"
#include "migration/parts.h"

namespace zs::migration {

struct IndexOpclass {
  std::string name;
  std::vector<std::string> params;

  bool operator==(const IndexOpclass&) const = default;
};

struct IndexField {
  std::string column;
  std::string collate;
  std::string sort;   // "" | ASC | DESC
  std::string nulls;  // "" | FIRST | LAST
  std::optional<IndexOpclass> opclass;

  bool operator==(const IndexField&) const = default;
};

struct OpCreateIndex {
  std::string name;
  std::string table;
  std::vector<IndexField> columns;
  std::string predicate;
  std::string method = "btree";
  std::string storage_parameters;
  bool unique = false;

  bool operator==(const OpCreateIndex&) const = default;
};

// Reads the mapping under `create_index:`; errors name `what` and file:line:column.
Result<OpCreateIndex> ParseCreateIndex(const Source& src, const YAML::Node& node,
                                       const std::string& what);

// Keys as in the pgroll format; fields at their default value are left out.
Json ToJsonValue(const IndexOpclass& opclass);
Json ToJsonValue(const IndexField& field);
Json ToJsonValue(const OpCreateIndex& op);

}  // namespace zs::migration
