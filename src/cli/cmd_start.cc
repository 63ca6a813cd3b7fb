#include <unistd.h>

#include <cstdio>
#include <iostream>

#include <fmt/format.h>

#include "cli/app.h"
#include "migration/parser.h"

namespace zs::cli {

namespace {

struct StartFlags {
  std::string file;
  bool complete = false;
  int batch_size = 500;
  int batch_delay_ms = 0;
};

// Progress on a terminal rewrites one line; elsewhere, a line per 10 batches.
void PrintProgress(const backfill::Progress& p) {
  static int calls = 0;
  bool tty = isatty(fileno(stderr)) != 0;
  double rate = p.elapsed_seconds > 0 ? p.rows_done / p.elapsed_seconds : 0;
  std::string line = fmt::format("    {}: {} rows", p.table, p.rows_done);
  if (p.rows_estimate > 0) line += fmt::format(" of ~{}", p.rows_estimate);
  line += fmt::format(", {:.0f} rows/s", rate);
  if (tty) {
    std::cerr << "\r" << line << (p.finished ? "\n" : "") << std::flush;
  } else if (p.finished || ++calls % 10 == 0) {
    std::cerr << line << "\n";
  }
}

}  // namespace

void RegisterStart(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto flags = std::make_shared<StartFlags>();
  auto* cmd = app.add_subcommand(
      "start",
      "expand: new columns and tables, dual-write triggers, backfill, new version "
      "schema; re-run to resume an interrupted backfill");
  cmd->add_option("file", flags->file, "migration file (YAML or JSON)")->required();
  cmd->add_flag("--complete", flags->complete, "complete the migration right after starting it");
  cmd->add_option("--backfill-batch-size", flags->batch_size, "rows per backfill batch")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--backfill-batch-delay", flags->batch_delay_ms,
                  "pause between backfill batches, in milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600000));
  cmd->callback([&options, &run, flags] {
    run = [&options, flags]() -> Status {
      ZS_ASSIGN_OR_RETURN(migration::Migration migration,
                          migration::LoadMigrationFile(flags->file));
      backfill::Options backfill{.batch_size = flags->batch_size,
                                 .batch_delay = std::chrono::milliseconds(flags->batch_delay_ms)};
      if (!options.quiet) backfill.on_progress = PrintProgress;
      ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(options, backfill));
      ZS_RETURN_IF_ERROR(engine.Start(migration));
      if (flags->complete) return engine.Complete();
      return Status::Ok();
    };
  });
}

}  // namespace zs::cli
