#include <iostream>

#include "cli/app.h"

namespace zs::cli {

void RegisterLatest(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto* cmd =
      app.add_subcommand("latest", "print the latest version schema, for clients' search_path");
  cmd->callback([&options, &run] {
    run = [&options]() -> Status {
      GlobalOptions quiet = options;
      quiet.quiet = true;
      ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(quiet));
      ZS_ASSIGN_OR_RETURN(std::string latest, engine.LatestVersionSchema());
      if (latest.empty())
        return NotFound("no migration has been started in schema " + options.schema);
      std::cout << latest << "\n";
      return Status::Ok();
    };
  });
}

}  // namespace zs::cli
