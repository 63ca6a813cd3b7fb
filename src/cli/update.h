// `zeroshift update DIR` (cmd_update.cc): the rewriting, apart from the
// command line, for tests.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "migration/older_forms.h"

namespace zs::cli {

struct UpdatedFile {
  std::string path;
  std::vector<migration::OlderForm> older_forms;  // what was rewritten
};

struct UpdateReport {
  size_t files = 0;                  // migration files in the directory
  std::vector<UpdatedFile> updated;  // those in an older form, rewritten
};

// Rewrites each migration file of `dir` that uses an older form in today's
// form (YAML stays YAML, JSON stays JSON; leading comments are kept). Files
// in today's form are not opened for writing. With `dry_run`, writes nothing.
// Errors: a file that does not parse (nothing after it is rewritten).
Result<UpdateReport> UpdateMigrationDir(const std::string& dir, bool dry_run);

}  // namespace zs::cli
