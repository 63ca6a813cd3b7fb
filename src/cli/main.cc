// zeroshift: zero-downtime schema changes for PostgreSQL (expand-contract).
// Exit codes (README, "Exit codes"): 0 success, 1 failure, 2 usage error
// (what was typed is not a valid command line), 3 another process or an
// active migration is in the way, 128 + N stopped by signal N (SIGINT, SIGTERM).
#include <iostream>

#include "backfill/interrupt.h"
#include "cli/app.h"
#include "pg/connection.h"

int main(int argc, char** argv) {
  CLI::App app{"zeroshift: change a busy PostgreSQL schema without downtime (expand-contract)"};
  zs::cli::GlobalOptions options;
  zs::cli::Runner run;
  zs::cli::BuildApp(app, options, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return zs::cli::ReportParseError(app, e);
  }
  zs::Status status = run ? run() : zs::Internal("no command chosen");
  if (!status.ok()) {
    std::cerr << "zeroshift: " << zs::pg::RedactPassword(status.ToString()) << "\n";
    // Stopped by SIGINT or SIGTERM (backfill/interrupt.h): the shell's convention.
    if (int signal = zs::backfill::InterruptSignal(); signal != 0) return 128 + signal;
    return status.code() == zs::Code::kConflict ? zs::cli::kExitConflict : zs::cli::kExitFailure;
  }
  return zs::cli::kExitOk;
}
