#include <iostream>

#include "cli/app.h"
#include "cli/status_json.h"
#include "engine/baseline_version.h"
#include "pg/pooler.h"
#include "pg/privileges.h"
#include "pg/quote.h"

namespace zs::cli {

void RegisterStatus(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto* cmd = app.add_subcommand(
      "status", "print JSON: active migration, its step, backfill progress, latest version");
  cmd->callback([&options, &run] {
    run = [&options]() -> Status {
      GlobalOptions quiet = options;
      quiet.quiet = true;
      ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(quiet));
      ZS_ASSIGN_OR_RETURN(nlohmann::json status, cli::StatusJson(engine));
      if (status.value("initialized", false)) {
        // The search_path old clients keep: their version, then the schema
        // itself (its functions, types and sequences); null: the raw tables,
        // whose shape changes. New clients': the active migration's version.
        ZS_ASSIGN_OR_RETURN(std::string old,
                            engine::OldVersionSchema(engine.session(), engine.schema()));
        auto search_path = [&](const std::string& version) {
          return pg::QuoteIdent(version) + ", " + pg::QuoteIdent(engine.schema());
        };
        status["old_clients_search_path"] =
            old.empty() ? nlohmann::json() : nlohmann::json(search_path(old));
        // Behind a transaction pooler: each version's pgbouncer.ini pool (pg/pooler.h).
        auto pool = [&](const std::string& version) {
          return pg::PgBouncerVersionPool(engine.connection(), version, engine.schema());
        };
        status["old_clients_pgbouncer_database"] =
            old.empty() ? nlohmann::json() : nlohmann::json(pool(old));
        if (status.contains("active") && status["active"].is_object() &&
            status["active"].contains("version_schema")) {
          status["new_clients_search_path"] =
              search_path(status["active"]["version_schema"].get<std::string>());
          status["new_clients_pgbouncer_database"] =
              pool(status["active"]["version_schema"].get<std::string>());
        }
      }
      // What this role cannot do, and the grant that would (pg/privileges.h).
      ZS_ASSIGN_OR_RETURN(status["privilege_notes"], pg::PrivilegeNotes(engine.connection()));
      std::cout << status.dump(2) << "\n";
      return Status::Ok();
    };
  });
}

}  // namespace zs::cli
