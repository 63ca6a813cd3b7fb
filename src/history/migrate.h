// `zeroshift migrate DIR`: bring a schema up to date with a directory of
// migration files (pgroll's migrate), over the engine.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/engine.h"
#include "migration/migration.h"

namespace zs::history {

struct MigrateOptions {
  // Complete the last migration too (the others are always completed).
  bool complete = false;
  // Start every pending migration as ONE version (Engine::StartSingleVersion).
  bool single_version = false;
};

// Applies the migrations of `local` (the directory's, in order) that the
// history does not have, in order: each is started and completed, the last
// one only started unless options.complete. Before that:
// - the history must line up with `local` (FirstPending), else nothing runs;
// - an active migration that is the latest applied one is completed first
//   when more are pending (its interrupted backfill resumed first); with
//   nothing pending it is completed with options.complete, else left active
//   with a line saying what to do; at another step (starting, completing,
//   rolling_back) the error says which command finishes it.
// `say` receives one line per migration. `dir` is only for messages.
Status Migrate(engine::Engine& engine, const std::string& dir,
               const std::vector<migration::Migration>& local, const MigrateOptions& options,
               const std::function<void(const std::string&)>& say);

}  // namespace zs::history
