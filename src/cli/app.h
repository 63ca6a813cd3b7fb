// The zeroshift command line: pgroll's command names and global flags.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "core/status.h"
#include "engine/engine.h"

namespace zs::cli {

struct GlobalOptions {
  std::string postgres_url;
  std::string schema = "public";
  int lock_timeout_ms = 500;
  int lock_retries = 10;
  int retry_initial_ms = 100;
  int retry_max_ms = 5000;
  int statement_timeout_ms = 5000;
  bool quiet = false;
};

// Where a command's work goes once CLI11 has parsed the flags: the command
// returns a Status and main turns it into the exit code and the one-line reason.
using Runner = std::function<Status()>;

void AddGlobalOptions(CLI::App& app, GlobalOptions& options);

// An engine connected with the global options (URL resolution, timeouts).
Result<engine::Engine> ConnectEngine(const GlobalOptions& options,
                                     const backfill::Options& backfill = {});

// Each registers one subcommand; `run` is set to its work when it is chosen.
void RegisterInit(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterPlan(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterStart(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterComplete(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterRollback(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterStatus(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterLatest(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterDemo(CLI::App& app, GlobalOptions& options, Runner& run);

// Builds the whole application.
void BuildApp(CLI::App& app, GlobalOptions& options, Runner& run);

}  // namespace zs::cli
