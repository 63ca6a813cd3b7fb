// A directory of migration files, as a pgroll project keeps them: the files
// named in `.ledger` (one per line) when the directory has one, else every
// *.yaml, *.yml and *.json in lexical order. Every file is parsed before
// anything runs, so a bad file stops a command before the database is touched.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "migration/migration.h"

namespace zs::history {

inline constexpr const char* kLedgerFile = ".ledger";

// Paths of the migration files of `dir` in apply order. With `use_ledger`
// false the ledger is ignored (every migration file, lexical order).
// Errors: `dir` missing or not a directory; a ledger line naming a file that
// is not in `dir` ("dir/.ledger:3: ...").
Result<std::vector<std::string>> ListMigrationFiles(const std::string& dir, bool use_ledger = true);

// Parses every file ListMigrationFiles returns. A parse error names
// file:line:column; two files defining one migration name are refused.
Result<std::vector<migration::Migration>> LoadMigrationDir(const std::string& dir,
                                                           bool use_ledger = true);

// Appends `file_name` to dir/.ledger when the directory has a ledger, so
// files written by pull or baseline take part in later migrates.
Status AppendToLedgerIfPresent(const std::string& dir, const std::string& file_name);

}  // namespace zs::history
