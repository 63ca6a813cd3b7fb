// `zeroshift create NAME [--dir DIR]`: a new migration file, numbered after
// the directory's last one (pgroll's create), ready to fill in.
#pragma once

#include <string>

#include "core/status.h"

namespace zs::cli {

// The file name `create` gives migration `name` in `dir`: NAME prefixed with
// the number after the highest numeric prefix of the directory's migration
// files ("03_NAME.yaml" after 01_ and 02_; "01_NAME.yaml" in an empty one),
// as wide as the widest prefix there (at least two digits). A NAME that has a
// numeric prefix of its own keeps it. Errors: `dir` missing or not a
// directory; the resulting migration name invalid (migration/names.h).
Result<std::string> NextMigrationFileName(const std::string& dir, const std::string& name);

// A skeleton for migration `name`: a valid, empty migration with one commented
// example per common operation.
std::string MigrationSkeleton(const std::string& name);

// Writes the skeleton to `dir`, never over an existing file, and appends it to
// the directory's .ledger when there is one. Returns the path written.
Result<std::string> CreateMigration(const std::string& dir, const std::string& name);

}  // namespace zs::cli
