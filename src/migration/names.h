// Migration names, checked where they enter (SAFETY.md: bad input leaves the
// database untouched; a name never leaves a directory or a line).
#pragma once

#include <string>

#include "core/status.h"
#include "migration/migration.h"

namespace zs::migration {

// Checks a migration name (or a `version_schema`): 1 to 63 bytes of letters
// (ASCII, or any printable Unicode letter as UTF-8), digits, `_`, `-` and
// `.`; not starting with `.` or `-`, and no `..`. Such a name is safe as a
// file name inside a directory (no `/`, no `..`), on a terminal and in SQL
// comments (no control characters). `what` says where it came from
// ("migrations/x.yaml: migration name").
Status ValidateMigrationName(const std::string& name, const std::string& what);

// ParseMigration for a migration zeroshift stored in its state table: its
// name is not checked again, so that a row an older zeroshift wrote can still
// be completed or rolled back.
Result<Migration> ParseStoredMigration(const std::string& text, const std::string& file_name);

}  // namespace zs::migration
