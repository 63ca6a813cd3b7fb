#include <iostream>

#include "backfill/interrupt.h"
#include "cli/app.h"
#include "migration/parser.h"
#include "pg/pooler.h"
#include "pg/privileges.h"

namespace zs::cli {

namespace {

struct StartFlags {
  std::string file;
  bool complete = false;
  BackfillFlags backfill;
};

// What old clients should use while a migration is active: `old_version`
// from Engine::OldClientsVersion, "" for the raw tables.
std::string OldClientsAdvice(const engine::Engine& engine, const std::string& old_version) {
  const std::string& schema = engine.schema();
  if (old_version.empty() && engine.backend().capabilities().schemas_as_version_namespaces) {
    return "old clients use the tables of schema \"" + schema +
           "\" directly: they see the new columns now and see them go at rollback (a prepared "
           "SELECT * fails); before the next migration, `zeroshift init` creates a baseline "
           "version whose shape never changes";
  }
  if (old_version.empty()) {
    return "old clients use the tables of database \"" + schema +
           "\" directly, without @zeroshift_version: the dual-write triggers fill the new "
           "columns from what they write";
  }
  return "old clients keep version " + old_version + " (" + engine.ClientSql(old_version) +
         "): its shape does not change until `zeroshift complete` drops it";
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
      // PostgreSQL only: its roles' privileges (pg/privileges.h).
      if (pg::Connection* postgres = engine.postgres_connection();
          postgres != nullptr && !options.quiet) {
        ZS_ASSIGN_OR_RETURN(std::vector<std::string> notes, pg::PrivilegeNotes(*postgres));
        for (const std::string& note : notes) std::cerr << "note: " << note << "\n";
      }
      // Ctrl-C / SIGTERM stop the backfill between batches, resumable.
      backfill::InterruptScope interrupts;
      ZS_RETURN_IF_ERROR(engine.Start(migration));
      if (flags->complete) return engine.Complete();
      if (!options.quiet) {
        ZS_ASSIGN_OR_RETURN(std::string old, engine.OldClientsVersion());
        std::cerr << OldClientsAdvice(engine, old) << "\n";
        ZS_ASSIGN_OR_RETURN(std::string latest, engine.LatestVersionSchema());
        // PostgreSQL only: a PgBouncer pool per version (pg/pooler.h).
        if (pg::Connection* postgres = engine.postgres_connection();
            postgres != nullptr && !latest.empty()) {
          std::cerr << pg::TransactionPoolerAdvice(*postgres, engine.schema(), old, latest) << "\n";
        }
      }
      return Status::Ok();
    };
  });
}

}  // namespace zs::cli
