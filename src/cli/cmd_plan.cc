// `zeroshift plan FILE|DIR`: the SQL start, complete and rollback would run,
// with the lock of each statement; changes nothing. A directory: its pending
// migrations (those `migrate` would apply), planned in order.
#include <iostream>

#include <fmt/format.h>

#include "cli/app.h"
#include "cli/pending.h"
#include "migration/parser.h"
#include "ops/names.h"

namespace zs::cli {

namespace {

Status PlanFile(const GlobalOptions& options, const std::string& file) {
  // The file is read before connecting: a bad one fails without a server.
  ZS_ASSIGN_OR_RETURN(migration::Migration migration, migration::LoadMigrationFile(file));
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(options));
  ZS_ASSIGN_OR_RETURN(engine::Plan plan, engine.PlanMigration(migration));
  std::cout << engine::FormatPlan(plan);
  return Status::Ok();
}

// The pending migrations are planned as one, each operation on the schema the
// ones before it leave: the only way to plan the later ones before the earlier
// ones have run. The statements and locks are those migrate runs; the version
// schemas differ (migrate gives each migration its own), which the header says.
Status PlanDirectory(const GlobalOptions& options, const std::string& dir) {
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(options));
  ZS_ASSIGN_OR_RETURN(PendingMigrations pending, FindPending(engine, dir));
  if (!pending.active.empty()) {
    std::cout << ops::CommentText(
                     fmt::format("-- {} is active; `zeroshift migrate` completes it before these",
                                 pending.active))
              << "\n";
  }
  if (pending.migrations.empty()) {
    std::cout << fmt::format("-- {}: nothing pending; the database has every migration of it\n",
                             ops::CommentText(dir));
    return Status::Ok();
  }
  std::cout << ops::CommentText("-- " + DescribePending(dir, pending)) << "\n";
  if (pending.migrations.size() > 1) {
    std::cout << "-- planned together, in order (as `migrate --single-version` runs them); "
                 "plain `migrate` runs the same statements one migration at a time, each with "
                 "its own version schema\n";
  }
  ZS_ASSIGN_OR_RETURN(engine::Plan plan, engine.PlanMigration(Combine(pending.migrations)));
  std::cout << engine::FormatPlan(plan);
  return Status::Ok();
}

}  // namespace

void RegisterPlan(CLI::App& app, GlobalOptions& options, Runner& run) {
  AddFileOrDirectoryCommand(app, options, run, "plan",
                            "print the SQL that start, complete and rollback would run, with the "
                            "lock each statement takes; changes nothing",
                            PlanFile, PlanDirectory);
}

}  // namespace zs::cli
