#include <iostream>

#include "cli/app.h"
#include "engine/baseline_version.h"

namespace zs::cli {

void RegisterStatus(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto* cmd = app.add_subcommand(
      "status", "print JSON: active migration, its step, backfill progress, latest version");
  cmd->callback([&options, &run] {
    run = [&options]() -> Status {
      GlobalOptions quiet = options;
      quiet.quiet = true;
      ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(quiet));
      ZS_ASSIGN_OR_RETURN(nlohmann::json status, engine.StatusJson());
      if (status.value("initialized", false)) {
        // The version old clients keep (null: the raw tables, whose shape changes).
        ZS_ASSIGN_OR_RETURN(std::string old,
                            engine::OldVersionSchema(engine.connection(), engine.schema()));
        status["old_clients_search_path"] = old.empty() ? nlohmann::json() : nlohmann::json(old);
      }
      std::cout << status.dump(2) << "\n";
      return Status::Ok();
    };
  });
}

}  // namespace zs::cli
