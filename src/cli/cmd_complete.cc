#include "cli/app.h"

namespace zs::cli {

void RegisterComplete(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto* cmd = app.add_subcommand(
      "complete", "contract: drop the old shape, the triggers and the previous version schema");
  cmd->callback([&options, &run] {
    run = [&options]() -> Status {
      ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(options));
      return engine.Complete();
    };
  });
}

}  // namespace zs::cli
