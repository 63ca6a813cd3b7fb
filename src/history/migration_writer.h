// Writes a stored migration (its JSON content) back to a file, as YAML or
// JSON, the way `pgroll pull` does. Parsing the file yields the same
// migration as parsing the stored JSON.
#pragma once

#include <string>

#include "core/status.h"

namespace zs::history {

// The stored migration JSON (jsonb orders keys by length) with the keys in
// the format's usual order (name, operations; table before column, ...):
// parsed and serialised again. Unchanged when it does not parse.
std::string CanonicalMigrationJson(const std::string& migration_json);

// The migration JSON as YAML (block style, keys in the JSON's order,
// multi-line SQL as literal blocks), preceded by `comment` lines ("# ...")
// when it is not empty.
Result<std::string> MigrationJsonToYaml(const std::string& migration_json,
                                        const std::string& comment = "");

// Writes `dir/<file_stem>.yaml` (or `.json`, pretty-printed, when `as_json`),
// creating `dir` when missing. Refuses to overwrite an existing file.
// Returns the path written.
Result<std::string> WriteMigrationFile(const std::string& dir, const std::string& file_stem,
                                       const std::string& migration_json, bool as_json,
                                       const std::string& yaml_comment = "");

}  // namespace zs::history
