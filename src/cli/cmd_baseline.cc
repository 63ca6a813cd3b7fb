// `zeroshift baseline NAME DIR`: record the current schema as the starting
// point of the history (pgroll's baseline) and write a placeholder file for
// it to DIR.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/app.h"
#include "engine/baseline_version.h"
#include "history/history.h"
#include "history/migration_dir.h"
#include "history/migration_writer.h"
#include "pg/quote.h"

namespace zs::cli {

namespace {

struct BaselineFlags {
  std::string name;
  std::string dir;
  bool json = false;
  bool yes = false;
};

constexpr const char* kBaselineComment =
    "Baseline: the schema as it was when `zeroshift baseline` recorded it.\n"
    "zeroshift never runs this file on the database that recorded it; later migrations\n"
    "build on it. To rebuild the schema elsewhere, put its DDL (pg_dump --schema-only)\n"
    "here as an `sql` operation.";

Status Baseline(const GlobalOptions& options, const BaselineFlags& flags) {
  if (flags.name.empty() || flags.name.find('/') != std::string::npos) {
    return InvalidInput(fmt::format(
        "\"{}\" cannot name a migration; use a name like 01_initial_schema", flags.name));
  }
  GlobalOptions quiet = options;
  quiet.quiet = true;
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(quiet));
  ZS_RETURN_IF_ERROR(engine.RequireInitialized());
  ZS_ASSIGN_OR_RETURN(auto records, engine.History());
  size_t recorded = history::Entries(records).size();
  if (recorded > 0 && !flags.yes) {
    return InvalidInput(fmt::format(
        "schema \"{}\" already has {} migration{} in its history; a baseline restarts the "
        "history (migrate and pull then start from it): pass --yes to do so",
        engine.schema(), recorded, recorded == 1 ? "" : "s"));
  }
  // The file first, so that a failure to write it leaves the database as it was;
  // it is removed again when the database refuses the baseline.
  std::string content =
      fmt::format(R"({{"name": {}, "operations": []}})", nlohmann::json(flags.name).dump());
  ZS_ASSIGN_OR_RETURN(std::string path, history::WriteMigrationFile(flags.dir, flags.name, content,
                                                                    flags.json, kBaselineComment));
  Result<state::MigrationRecord> record = engine.Baseline(flags.name);
  if (!record.ok()) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return record.status();
  }
  ZS_RETURN_IF_ERROR(
      history::AppendToLedgerIfPresent(flags.dir, std::filesystem::path(path).filename().string()));
  // Views of the recorded shape for old clients, kept by the next migration.
  ZS_RETURN_IF_ERROR(
      engine::CreateBaselineVersion(engine.session(), engine.schema(), flags.name, {}, nullptr));
  ZS_ASSIGN_OR_RETURN(std::string old,
                      engine::OldVersionSchema(engine.session(), engine.schema()));
  if (!options.quiet) {
    std::cout << fmt::format("recorded baseline {} of schema \"{}\"; wrote {}\n", flags.name,
                             engine.schema(), path);
    if (!old.empty()) {
      std::cout << fmt::format(
          "old clients: SET search_path TO {}, {} (its shape stays as recorded until the next "
          "migration completes)\n",
          pg::QuoteIdent(old), pg::QuoteIdent(engine.schema()));
    }
  }
  return Status::Ok();
}

}  // namespace

void RegisterBaseline(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto flags = std::make_shared<BaselineFlags>();
  auto* cmd = app.add_subcommand(
      "baseline",
      "record the current schema as the starting point of the history (no operations run) "
      "and write a placeholder migration file for it to DIR");
  cmd->add_option("name", flags->name, "the baseline's migration name, e.g. 01_initial_schema")
      ->required();
  cmd->add_option("dir", flags->dir, "directory to write the placeholder file to")->required();
  cmd->add_flag("-j,--json", flags->json, "write the file as JSON instead of YAML");
  cmd->add_flag("-y,--yes", flags->yes,
                "restart an existing history (pgroll asks for confirmation here)");
  cmd->callback([&options, &run, flags] {
    run = [&options, flags]() -> Status { return Baseline(options, *flags); };
  });
}

}  // namespace zs::cli
