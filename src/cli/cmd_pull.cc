// `zeroshift pull DIR`: write the schema's migration history to files, one
// per migration with its stored content (pgroll's pull). Migrations whose
// name a file in DIR already defines are left alone.
#include <iostream>
#include <set>

#include <fmt/format.h>

#include "cli/app.h"
#include "history/history.h"
#include "history/migration_dir.h"
#include "history/migration_writer.h"
#include "migration/names.h"

namespace zs::cli {

namespace {

struct PullFlags {
  std::string dir;
  bool with_prefixes = false;
  bool json = false;
};

// Names the files of `dir` define (every migration file, ledger or not).
Result<std::set<std::string>> ExistingNames(const std::string& dir) {
  std::set<std::string> names;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return names;
  ZS_ASSIGN_OR_RETURN(auto local, history::LoadMigrationDir(dir, /*use_ledger=*/false));
  for (const auto& m : local) names.insert(m.name);
  return names;
}

Status Pull(const GlobalOptions& options, const PullFlags& flags) {
  GlobalOptions quiet = options;
  quiet.quiet = true;
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(quiet));
  ZS_RETURN_IF_ERROR(engine.RequireInitialized());
  ZS_ASSIGN_OR_RETURN(auto records, engine.History());
  std::vector<history::Entry> entries = history::Entries(records);
  // Every name is checked before the first file is written: a stored name
  // (from an older zeroshift, or a hand edit) with `/`, `..` or a newline
  // would write outside DIR or inject lines into its ledger.
  for (const auto& entry : entries) {
    ZS_RETURN_IF_ERROR(migration::ValidateMigrationName(
        entry.name,
        fmt::format("the history of schema \"{}\" holds migration name", options.schema)));
  }
  ZS_ASSIGN_OR_RETURN(std::set<std::string> existing, ExistingNames(flags.dir));
  int written = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const history::Entry& entry = entries[i];
    if (existing.count(entry.name)) continue;
    // The prefix is the position in the history, so that file names sort in
    // the order the migrations were applied; the stored content keeps the
    // name, so the prefixed file still defines the same migration.
    std::string stem =
        flags.with_prefixes ? fmt::format("{:04}_{}", i + 1, entry.name) : entry.name;
    ZS_ASSIGN_OR_RETURN(
        std::string path,
        history::WriteMigrationFile(
            flags.dir, stem, history::CanonicalMigrationJson(entry.migration_json), flags.json));
    ZS_RETURN_IF_ERROR(history::AppendToLedgerIfPresent(
        flags.dir, std::filesystem::path(path).filename().string()));
    if (!options.quiet) std::cout << "wrote " << path << "\n";
    ++written;
  }
  if (!options.quiet && written == 0) {
    std::cout << fmt::format("{} already has every migration of the history ({})\n", flags.dir,
                             entries.size());
  }
  return Status::Ok();
}

}  // namespace

void RegisterPull(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto flags = std::make_shared<PullFlags>();
  auto* cmd = app.add_subcommand(
      "pull",
      "write the schema's migration history to DIR, one file per migration with its stored "
      "content (files already defining a migration are kept); creates DIR when missing");
  cmd->add_option("dir", flags->dir, "target directory")->required();
  cmd->add_flag("-p,--with-prefixes", flags->with_prefixes,
                "prefix each file name with its position in the history (0001_...)");
  cmd->add_flag("-j,--json", flags->json, "write JSON files instead of YAML");
  cmd->callback([&options, &run, flags] {
    run = [&options, flags]() -> Status { return Pull(options, *flags); };
  });
}

}  // namespace zs::cli
