#include <iostream>

#include "cli/app.h"
#include "cli/client_advice.h"
#include "cli/status_json.h"

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
      // For the person reading it: stdout stays the JSON alone.
      if (status["standby"].is_object()) {
        std::cerr << "note: " << status["standby"]["note"].get<std::string>() << "\n";
      }
      const ClientAdvice& advice = ClientAdviceFor(engine.backend());
      if (status.value("initialized", false)) {
        // New clients': the active migration's version.
        ZS_ASSIGN_OR_RETURN(std::string old, engine.OldClientsVersion());
        std::string new_version;
        if (status.contains("active") && status["active"].is_object() &&
            status["active"].contains("version_schema")) {
          new_version = status["active"]["version_schema"].get<std::string>();
        }
        advice.AddClientFields(engine, old, new_version, status);
      }
      // What this role cannot do, and the grant that would (pg/privileges.h).
      ZS_RETURN_IF_ERROR(advice.AddPrivilegeNotes(engine, status));
      std::cout << status.dump(2) << "\n";
      return Status::Ok();
    };
  });
}

}  // namespace zs::cli
