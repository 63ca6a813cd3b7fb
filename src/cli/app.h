// The zeroshift command line: pgroll's command names and global flags.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "backfill/defaults.h"
#include "core/status.h"
#include "engine/engine.h"

namespace zs::cli {

// The exit codes of every command (README, "Exit codes").
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;   // the command ran and failed, or found what it checks for
inline constexpr int kExitUsage = 2;     // the command line is not valid: nothing ran
inline constexpr int kExitConflict = 3;  // another process or an active migration is in the way

struct GlobalOptions {
  std::string url;           // --url: any backend, by scheme
  std::string postgres_url;  // --postgres-url: kept for PostgreSQL (any scheme works)
  std::string schema = "public";
  int lock_timeout_ms = 500;
  int first_lock_wait_ms = 20;  // RetryPolicy::first_lock_timeout's default
  int lock_retries = 10;
  int retry_initial_ms = 100;
  int retry_max_ms = 5000;
  int statement_timeout_ms = 5000;
  bool no_cancel_autovacuum = false;
  bool quiet = false;
};

// Where a command's work goes once CLI11 has parsed the flags: the command
// returns a Status and main turns it into the exit code and the one-line reason.
using Runner = std::function<Status()>;

void AddGlobalOptions(CLI::App& app, GlobalOptions& options);

// The connection string of the global options: --url, else --postgres-url, else the
// environment (ZEROSHIFT_URL, ZEROSHIFT_POSTGRES_URL, DATABASE_URL), else libpq's PG*
// variables. Its scheme picks the backend (backend::SelectBackend): refused with a clear
// message, never echoing the string, when no backend serves it. Every command that connects
// goes through it.
Result<std::string> ResolveConninfo(const GlobalOptions& options);

// An engine connected with the global options (URL resolution, timeouts).
Result<engine::Engine> ConnectEngine(const GlobalOptions& options,
                                     const backfill::Options& backfill = {});

// The backfill's flags, shared by `start` and `backfill run` (cmd_backfill.cc).
// Each flag's default is backfill::DefaultBackfillOptions()'s (backfill/defaults.h,
// also what the lab runs): the constructor reads them.
struct BackfillFlags {
  BackfillFlags();
  int batch_size = 0;  // fixed mode; adaptive mode's first batch
  int batch_delay_ms = 0;
  int target_ms = 0;
  int min_rows = 0;
  int max_rows = 0;
  int max_backoff_ms = 0;
  int max_lag_mb = 0;
  int max_replay_lag_ms = 0;
  int max_xact_age_ms = 0;
  std::string long_xact;  // backfill::LongTransactionPolicy by name
  bool json = false;
  bool fire_user_triggers = false;  // --backfill-fires-user-triggers
  // --replica-url (MariaDB): the replicas whose lag the backfill yields to.
  std::vector<std::string> replica_urls;
  // --no-rebuild (MariaDB): start skips its online rebuild before the backfill.
  bool no_rebuild = false;
  // --backfill-workers: sessions walking disjoint key ranges (backfill/workers.h).
  // Not given: backfill::kDefaultWorkers where the table can be split
  // (backfill::Options::auto_workers), else 1.
  int workers = 1;
  // --backfill-nice-ratio: while clients work, sleep this times each batch's
  // duration after it (0: never).
  double nice_ratio = 0;
  CLI::Option* workers_option = nullptr;
  // Set when --backfill-batch-size or --backfill-batch-delay is given: fixed mode.
  CLI::Option* batch_size_option = nullptr;
  CLI::Option* batch_delay_option = nullptr;
};
void AddBackfillFlags(CLI::App& cmd, BackfillFlags& flags);
// The backfill options for `flags`, with progress printed as the flags and
// --quiet say (bar on a terminal, lines otherwise, JSON lines on stdout).
backfill::Options MakeBackfillOptions(const BackfillFlags& flags, const GlobalOptions& options);

// Each registers one subcommand; `run` is set to its work when it is chosen.
void RegisterInit(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterPlan(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterStart(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterComplete(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterRollback(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterStatus(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterLatest(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterDemo(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterLab(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterBackfill(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterVerify(CLI::App& app, GlobalOptions& options, Runner& run);
// SQL migration files: the linter (src/lint/) and the converter to a migration (src/convert/).
void RegisterLint(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterConvert(CLI::App& app, GlobalOptions& options, Runner& run);
// lint's own flag parser (it parses everything after `lint` itself), for the
// man page and the completion; its flags are never read.
const CLI::App& LintParserForDocs();
// The directory workflow (pgroll's migrate, validate, pull, baseline) and drift.
void RegisterMigrate(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterValidate(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterPull(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterBaseline(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterDrift(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterDoctor(CLI::App& app, GlobalOptions& options, Runner& run);
void RegisterUpdate(CLI::App& app, GlobalOptions& options, Runner& run);  // cmd_update.cc
void RegisterFleet(CLI::App& app, GlobalOptions& options, Runner& run);   // cmd_fleet.cc

void RegisterCreate(CLI::App& app, GlobalOptions& options, Runner& run);
// Hidden commands that print the man page and the bash completion script,
// generated from this application's own commands and flags (docs.h).
void RegisterDocs(CLI::App& app, GlobalOptions& options, Runner& run);

// Builds the whole application, with --version.
void BuildApp(CLI::App& app, GlobalOptions& options, Runner& run);

// Prints a parse error (or the help it stands for) and returns the exit code:
// 0 for --help and --version, else kExitUsage. A mistyped command gets the
// nearest command's name ("did you mean").
int ReportParseError(CLI::App& app, const CLI::ParseError& error);

}  // namespace zs::cli
