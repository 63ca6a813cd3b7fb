#include "cli/app.h"

namespace zs::cli {

void RegisterRollback(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto* cmd = app.add_subcommand(
      "rollback", "undo the active migration's start; the old version keeps every write");
  cmd->callback([&options, &run] {
    run = [&options]() -> Status {
      ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(options));
      return engine.Rollback();
    };
  });
}

}  // namespace zs::cli
