#include "cli/app.h"

namespace zs::cli {

void RegisterInit(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto* cmd = app.add_subcommand(
      "init", "create the zeroshift state schema; existing tables need nothing more");
  cmd->callback([&options, &run] {
    run = [&options] {
      ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(options));
      return engine.Init();
    };
  });
}

}  // namespace zs::cli
