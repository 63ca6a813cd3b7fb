// Reads pgroll-format migration files (YAML or JSON) strictly: an unknown or
// misspelt key, a wrong type or a missing required field is an error naming
// the key and file:line:column.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "migration/migration.h"
#include "migration/older_forms.h"

namespace zs::migration {

// Parses `text` (YAML, of which JSON is a subset). `file_name` is used for
// messages and, when the document has no `name`, for the migration's name
// (base name without extension).
Result<Migration> ParseMigration(const std::string& text, const std::string& file_name);

// The same, reading forms of the format that earlier pgroll versions accepted
// (older_forms.h) as today's, and listing each in `older_forms`.
Result<Migration> ParseMigration(const std::string& text, const std::string& file_name,
                                 std::vector<OlderForm>* older_forms);

// Reads and parses a file. A file in an older form is read, and said once per
// file and process, as a warning to the warning sink.
Result<Migration> LoadMigrationFile(const std::string& path);

// Where the reader's warnings go (standard error unless replaced); returns
// the sink it replaces. For tests and for commands that report otherwise.
using WarningSink = std::function<void(const std::string& message)>;
WarningSink SetWarningSink(WarningSink sink);

// The warning for a file in an older form: where, what, and how to update it.
std::string OlderFormWarning(const std::vector<OlderForm>& older_forms);

// The migration as canonical JSON (what ParseMigration of it would read back).
std::string ToJson(const Migration& migration);

}  // namespace zs::migration
