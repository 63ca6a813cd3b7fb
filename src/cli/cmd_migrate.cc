// `zeroshift migrate DIR`: apply every pending migration of a directory in
// order (pgroll's migrate; see history/migrate.h for the rules).
#include <iostream>

#include "backfill/interrupt.h"
#include "cli/app.h"
#include "history/migrate.h"
#include "history/migration_dir.h"

namespace zs::cli {

namespace {

struct MigrateFlags {
  std::string dir;
  bool complete = false;
  bool single_version = false;
  BackfillFlags backfill;
};

}  // namespace

void RegisterMigrate(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto flags = std::make_shared<MigrateFlags>();
  auto* cmd = app.add_subcommand(
      "migrate",
      "apply every pending migration of a directory in order (.ledger order, else file names): "
      "each started and completed, the last one left active unless --complete");
  cmd->add_option("dir", flags->dir, "directory of migration files (YAML or JSON)")->required();
  cmd->add_flag("-c,--complete", flags->complete,
                "complete the last migration too instead of leaving it active");
  cmd->add_flag("--single-version", flags->single_version,
                "start all pending migrations as ONE version (one expand, one backfill, one "
                "version schema named after the last), for a release that carries several; the "
                "history still records each migration");
  AddBackfillFlags(*cmd, flags->backfill);
  cmd->callback([&options, &run, flags] {
    run = [&options, flags]() -> Status {
      // Every file is parsed before the database is touched.
      ZS_ASSIGN_OR_RETURN(auto local, history::LoadMigrationDir(flags->dir));
      ZS_ASSIGN_OR_RETURN(engine::Engine engine,
                          ConnectEngine(options, MakeBackfillOptions(flags->backfill, options)));
      bool quiet = options.quiet;
      backfill::InterruptScope interrupts;  // stop between batches and migrations
      return history::Migrate(
          engine, flags->dir, local,
          {.complete = flags->complete, .single_version = flags->single_version},
          [quiet](const std::string& line) {
            if (!quiet) std::cout << line << std::endl;
          });
    };
  });
}

}  // namespace zs::cli
