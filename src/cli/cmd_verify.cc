// `zeroshift verify`: checks every row of the active migration's tables
// against its `up` and `down` expressions; exit code 1 when any row differs.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/app.h"

namespace zs::cli {

namespace {

struct VerifyFlags {
  std::string migration;
  long long batch_rows = 5000;
  int max_mismatches = 20;
  bool check_down = true;
  bool json = false;
};

std::string Plural(long long n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// On a terminal one rewritten line; elsewhere a line every 20 batches and at
// the end of each table. Always on stderr: stdout holds the report.
void PrintProgress(const backfill::VerifyProgress& p) {
  static int calls = 0;
  std::string line =
      fmt::format("  verify {}: {} checked, {}", p.table, Plural(p.rows_checked, "row", "rows"),
                  Plural(p.mismatches, "mismatch", "mismatches"));
  if (isatty(fileno(stderr)) != 0) {
    std::cerr << "\r" << line << (p.finished ? "\n" : "") << std::flush;
  } else if (p.finished || ++calls % 20 == 0) {
    std::cerr << line << "\n";
  }
}

Status RunVerify(const GlobalOptions& options, const VerifyFlags& flags) {
  GlobalOptions quiet = options;
  quiet.quiet = true;  // no engine log lines: the report is the output
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(quiet));
  backfill::VerifyOptions verify{.batch_rows = flags.batch_rows,
                                 .max_mismatches = flags.max_mismatches,
                                 .check_down = flags.check_down};
  if (!options.quiet) verify.on_progress = PrintProgress;
  ZS_ASSIGN_OR_RETURN(backfill::VerifyReport report, engine.Verify(flags.migration, verify));
  if (flags.json) {
    std::cout << report.ToJson().dump(2) << "\n";
  } else {
    std::cout << report.ToText();
  }
  if (report.mismatches() == 0) return Status::Ok();
  // Blame only what the report proves (backfill::CheckResult).
  long long proven = report.proven_mismatches();
  if (proven > 0) {
    return Status(Code::kDatabase,
                  fmt::format("verify of \"{}\" found {} that no write through the triggers "
                              "leaves so (each fails the expression that ran for its row; keys "
                              "listed above): a write bypassed the triggers (disabled triggers) "
                              "or an expression is not deterministic; fix those rows",
                              report.migration, Plural(proven, "value", "values")));
  }
  return Status(Code::kDatabase,
                fmt::format("verify of \"{}\" found {} differing from the migration's "
                            "expressions (keys listed above); it cannot tell a row the backfill "
                            "has not reached (or, on a table with one direction and no marker, "
                            "a write through the other version) from a write bypassing the "
                            "triggers: finish the backfill, then check those rows",
                            report.migration, Plural(report.mismatches(), "value", "values")));
}

}  // namespace

void RegisterVerify(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto flags = std::make_shared<VerifyFlags>();
  auto* cmd = app.add_subcommand(
      "verify",
      "check, read-only and in batches, that every row's new columns equal `up` of the old "
      "ones (and old columns `down` of the new); exit code 1 when any row differs");
  cmd->add_option("migration", flags->migration,
                  "name of the migration (default: the active one; it must be active)");
  cmd->add_option("--max-mismatches", flags->max_mismatches,
                  "mismatching keys listed per expression (all are counted)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--batch-size", flags->batch_rows, "rows read per statement")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  cmd->add_flag("--down,!--no-down", flags->check_down,
                "also check old columns against `down` where it is defined (default on)");
  cmd->add_flag("--json", flags->json, "print the report as JSON on stdout");
  cmd->callback([&options, &run, flags] {
    run = [&options, flags]() -> Status { return RunVerify(options, *flags); };
  });
}

}  // namespace zs::cli
