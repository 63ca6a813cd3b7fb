// `plan DIR` and `validate DIR`: the migrations of a directory that `migrate`
// would apply next, found the way migrate finds them (history/migrate.h).
#pragma once

#include <string>
#include <vector>

#include "cli/app.h"
#include "core/status.h"
#include "engine/engine.h"
#include "migration/migration.h"

namespace zs::cli {

struct PendingMigrations {
  std::vector<migration::Migration> migrations;  // in apply order; empty: up to date
  std::string active;  // a migration left active, which migrate completes first ("" if none)
};

// Every file of `dir` parsed, then lined up with the schema's history
// (history::FirstPending): what is not applied yet, in order.
Result<PendingMigrations> FindPending(engine::Engine& engine, const std::string& dir);

// `migrations` as one migration, each operation on the schema the ones before
// it leave (as `migrate --single-version` starts them): named after the last.
migration::Migration Combine(const std::vector<migration::Migration>& migrations);

// "2 pending migrations in DIR: 02_a (DIR/02_a.yaml), 03_b (DIR/03_b.yaml)".
std::string DescribePending(const std::string& dir, const PendingMigrations& pending);

bool IsDirectory(const std::string& path);

// Adds `NAME FILE` (plan, validate): FILE is a migration file, or a directory whose pending
// migrations are taken in the order migrate applies them. Runs `on_file` or `on_dir` with
// the global options made quiet (their output is the command's whole answer).
using PathCommand = Status (*)(const GlobalOptions& options, const std::string& path);
void AddFileOrDirectoryCommand(CLI::App& app, GlobalOptions& options, Runner& run,
                               const std::string& name, const std::string& description,
                               PathCommand on_file, PathCommand on_dir);

}  // namespace zs::cli
