#include <memory>

#include <iostream>

#include "cli/app.h"
#include "engine/baseline_version.h"

namespace zs::cli {

namespace {

struct InitFlags {
  std::string baseline_name = "baseline";
  bool no_baseline_version = false;
};

}  // namespace

void RegisterInit(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto flags = std::make_shared<InitFlags>();
  auto* cmd = app.add_subcommand(
      "init",
      "create the zeroshift state schema and a baseline version (schema <schema>_baseline: "
      "one view per table in its current shape) for old clients to use before the first "
      "migration");
  cmd->add_option("--baseline-name", flags->baseline_name,
                  "name of the baseline version: its schema is <schema>_NAME")
      ->capture_default_str();
  cmd->add_flag("--no-baseline-version", flags->no_baseline_version,
                "create no baseline version: clients before the first migration then use the "
                "tables, whose shape changes at start and at rollback");
  cmd->callback([&options, &run, flags] {
    run = [&options, flags]() -> Status {
      ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(options));
      ZS_RETURN_IF_ERROR(engine.Init());
      if (flags->no_baseline_version) return Status::Ok();
      pg::RetryPolicy retry{
          .lock_timeout = std::chrono::milliseconds(options.lock_timeout_ms),
          .statement_timeout = std::chrono::milliseconds(options.statement_timeout_ms),
          .max_attempts = options.lock_retries};
      auto log = [quiet = options.quiet](const std::string& line) {
        if (!quiet) std::cerr << line << "\n";
      };
      return engine::CreateBaselineVersion(engine.session(), engine.schema(), flags->baseline_name,
                                           retry, log);
    };
  });
}

}  // namespace zs::cli
