// Reads pgroll-format migration files (YAML or JSON) strictly: an unknown or
// misspelt key, a wrong type or a missing required field is an error naming
// the key and file:line:column.
#pragma once

#include <string>

#include "core/status.h"
#include "migration/migration.h"

namespace zs::migration {

// Parses `text` (YAML, of which JSON is a subset). `file_name` is used for
// messages and, when the document has no `name`, for the migration's name
// (base name without extension).
Result<Migration> ParseMigration(const std::string& text, const std::string& file_name);

// Reads and parses a file.
Result<Migration> LoadMigrationFile(const std::string& path);

// The migration as canonical JSON (what ParseMigration of it would read back).
std::string ToJson(const Migration& migration);

}  // namespace zs::migration
