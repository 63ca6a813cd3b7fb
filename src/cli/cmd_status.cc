#include <iostream>

#include "cli/app.h"
#include "cli/status_json.h"
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
        ZS_ASSIGN_OR_RETURN(std::string old, engine.OldClientsVersion());
        std::string new_version;
        if (status.contains("active") && status["active"].is_object() &&
            status["active"].contains("version_schema")) {
          new_version = status["active"]["version_schema"].get<std::string>();
        }
        if (pg::Connection* postgres = engine.postgres_connection(); postgres != nullptr) {
          auto search_path = [&](const std::string& version) {
            return pg::QuoteIdent(version) + ", " + pg::QuoteIdent(engine.schema());
          };
          status["old_clients_search_path"] =
              old.empty() ? nlohmann::json() : nlohmann::json(search_path(old));
          // Behind a transaction pooler: each version's pgbouncer.ini pool (pg/pooler.h).
          auto pool = [&](const std::string& version) {
            return pg::PgBouncerVersionPool(*postgres, version, engine.schema());
          };
          status["old_clients_pgbouncer_database"] =
              old.empty() ? nlohmann::json() : nlohmann::json(pool(old));
          if (!new_version.empty()) {
            status["new_clients_search_path"] = search_path(new_version);
            status["new_clients_pgbouncer_database"] = pool(new_version);
          }
        } else {
          // MariaDB: what a client runs to pick its version (the database
          // itself, without the variable, for the tables).
          status["old_clients_sql"] =
              old.empty() ? "USE " + engine.backend().QuoteIdentifier(engine.schema()) +
                                "; SET @zeroshift_version = NULL"
                          : engine.ClientSql(old);
          if (!new_version.empty()) status["new_clients_sql"] = engine.ClientSql(new_version);
        }
      }
      // What this role cannot do, and the grant that would (pg/privileges.h).
      if (pg::Connection* postgres = engine.postgres_connection(); postgres != nullptr) {
        ZS_ASSIGN_OR_RETURN(status["privilege_notes"], pg::PrivilegeNotes(*postgres));
      }
      std::cout << status.dump(2) << "\n";
      return Status::Ok();
    };
  });
}

}  // namespace zs::cli
