#include <iostream>

#include "backfill/interrupt.h"
#include "cli/app.h"
#include "engine/baseline_version.h"
#include "migration/parser.h"
#include "pg/pooler.h"
#include "pg/privileges.h"
#include "pg/quote.h"

namespace zs::cli {

namespace {

struct StartFlags {
  std::string file;
  bool complete = false;
  BackfillFlags backfill;
};

// What old clients should use while a migration is active: `old_version`
// from Engine::OldVersionSchema, "" for the raw tables.
std::string OldClientsAdvice(const std::string& schema, const std::string& old_version) {
  if (old_version.empty()) {
    return "old clients use the tables of schema \"" + schema +
           "\" directly: they see the new columns now and see them go at rollback (a prepared "
           "SELECT * fails); before the next migration, `zeroshift init` creates a baseline "
           "version whose shape never changes";
  }
  return "old clients keep version " + old_version + " (SET search_path TO " +
         pg::QuoteIdent(old_version) + ", " + pg::QuoteIdent(schema) +
         "): its shape does not change until `zeroshift complete` "
         "drops it";
}

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
      if (!options.quiet) {
        ZS_ASSIGN_OR_RETURN(std::vector<std::string> notes,
                            pg::PrivilegeNotes(engine.connection()));
        for (const std::string& note : notes) std::cerr << "note: " << note << "\n";
      }
      // Ctrl-C / SIGTERM stop the backfill between batches, resumable.
      backfill::InterruptScope interrupts;
      ZS_RETURN_IF_ERROR(engine.Start(migration));
      if (flags->complete) return engine.Complete();
      if (!options.quiet) {
        ZS_ASSIGN_OR_RETURN(std::string old,
                            engine::OldVersionSchema(engine.session(), engine.schema()));
        std::cerr << OldClientsAdvice(engine.schema(), old) << "\n";
        ZS_ASSIGN_OR_RETURN(std::string latest, engine.LatestVersionSchema());
        if (!latest.empty())
          std::cerr << pg::TransactionPoolerAdvice(engine.connection(), engine.schema(), old,
                                                   latest)
                    << "\n";
      }
      return Status::Ok();
    };
  });
}

}  // namespace zs::cli
