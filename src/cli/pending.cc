#include "cli/pending.h"

#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "history/history.h"
#include "history/migration_dir.h"
#include "migration/parser.h"

namespace zs::cli {

Result<PendingMigrations> FindPending(engine::Engine& engine, const std::string& dir) {
  // Every file is parsed first, so a bad one is reported before anything else.
  ZS_ASSIGN_OR_RETURN(auto local, history::LoadMigrationDir(dir));
  ZS_ASSIGN_OR_RETURN(auto records, engine.History());
  std::vector<history::Entry> entries = history::Entries(records);
  std::vector<std::string> names;
  for (const auto& m : local) names.push_back(m.name);
  ZS_ASSIGN_OR_RETURN(size_t first, history::FirstPending(entries, names, dir));
  PendingMigrations pending;
  pending.migrations.assign(local.begin() + static_cast<long>(first), local.end());
  if (!entries.empty() && !entries.back().done) pending.active = entries.back().row;
  return pending;
}

migration::Migration Combine(const std::vector<migration::Migration>& migrations) {
  if (migrations.size() == 1) return migrations.front();
  // Operations keep their own file:line, so a message names the right file.
  migration::Migration combined;
  combined.name = migrations.back().name;
  combined.version_schema = migrations.back().version_schema;
  combined.source_file = migrations.back().source_file;
  for (const auto& m : migrations) {
    combined.operations.insert(combined.operations.end(), m.operations.begin(), m.operations.end());
  }
  combined.raw_json = migration::ToJson(combined);
  return combined;
}

std::string DescribePending(const std::string& dir, const PendingMigrations& pending) {
  const auto& list = pending.migrations;
  std::string out =
      fmt::format("{} pending migration{} in {}", list.size(), list.size() == 1 ? "" : "s", dir);
  for (size_t i = 0; i < list.size(); ++i) {
    out += fmt::format("{} {} ({})", i == 0 ? ":" : ",", list[i].name, list[i].source_file);
  }
  return out;
}

bool IsDirectory(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

void AddFileOrDirectoryCommand(CLI::App& app, GlobalOptions& options, Runner& run,
                               const std::string& name, const std::string& description,
                               PathCommand on_file, PathCommand on_dir) {
  auto* cmd = app.add_subcommand(name, description);
  auto file = std::make_shared<std::string>();
  cmd->add_option("file", *file,
                  "migration file (YAML or JSON), or a directory: its pending migrations, in "
                  "the order migrate applies them")
      ->required();
  cmd->callback([&options, &run, file, on_file, on_dir] {
    run = [&options, file, on_file, on_dir]() -> Status {
      GlobalOptions quiet = options;
      quiet.quiet = true;
      return IsDirectory(*file) ? on_dir(quiet, *file) : on_file(quiet, *file);
    };
  });
}

}  // namespace zs::cli
