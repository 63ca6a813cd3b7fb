#include <iostream>

#include "backfill/interrupt.h"
#include "cli/app.h"
#include "cli/client_advice.h"
#include "migration/parser.h"

namespace zs::cli {

namespace {

struct StartFlags {
  std::string file;
  bool complete = false;
  BackfillFlags backfill;
};

}  // namespace

void RegisterStart(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto flags = std::make_shared<StartFlags>();
  auto* cmd = app.add_subcommand(
      "start",
      "expand: new columns and tables, dual-write triggers, backfill, new version "
      "schema; re-run to resume an interrupted backfill");
  cmd->add_option("file", flags->file, "migration file (YAML or JSON)")->required();
  cmd->add_flag("--complete", flags->complete, "complete the migration right after starting it");
  AddBackfillFlags(*cmd, flags->backfill);
  cmd->callback([&options, &run, flags] {
    run = [&options, flags]() -> Status {
      ZS_ASSIGN_OR_RETURN(migration::Migration migration,
                          migration::LoadMigrationFile(flags->file));
      ZS_ASSIGN_OR_RETURN(engine::Engine engine,
                          ConnectEngine(options, MakeBackfillOptions(flags->backfill, options)));
      const ClientAdvice& advice = ClientAdviceFor(engine.backend());
      if (!options.quiet) {
        ZS_ASSIGN_OR_RETURN(std::vector<std::string> notes, advice.PrivilegeNotes(engine));
        for (const std::string& note : notes) std::cerr << "note: " << note << "\n";
      }
      // Ctrl-C / SIGTERM stop the backfill between batches, resumable.
      backfill::InterruptScope interrupts;
      ZS_RETURN_IF_ERROR(engine.Start(migration));
      if (flags->complete) return engine.Complete();
      if (!options.quiet) {
        ZS_ASSIGN_OR_RETURN(std::string old, engine.OldClientsVersion());
        std::cerr << advice.OldClients(engine, old) << "\n";
        ZS_ASSIGN_OR_RETURN(std::string latest, engine.LatestVersionSchema());
        if (std::string pooler = advice.PoolerAdvice(engine, old, latest); !pooler.empty()) {
          std::cerr << pooler << "\n";
        }
      }
      return Status::Ok();
    };
  });
}

}  // namespace zs::cli
