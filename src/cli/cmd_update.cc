// `zeroshift update DIR`: rewrites migration files written for earlier pgroll
// versions (migration/older_forms.h) in today's form, in place, as pgroll's
// `update` does. YAML files stay YAML and JSON files JSON; a file already in
// today's form is not written at all, so it stays the same byte for byte.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "cli/app.h"
#include "cli/update.h"
#include "history/migration_dir.h"
#include "history/migration_writer.h"
#include "migration/parser.h"

namespace zs::cli {

namespace fs = std::filesystem;

namespace {

using Json = nlohmann::ordered_json;

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(fmt::format("cannot read {}", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return IoError(fmt::format("cannot read {}", path));
  return text.str();
}

// The comment lines that open the file (without their "# "): kept above the
// rewritten YAML, since they usually say what the migration is for.
std::string LeadingComment(const std::string& text) {
  std::string comment;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("#")) break;
    line.erase(0, line.starts_with("# ") ? 2 : 1);
    comment += line + "\n";
  }
  return comment;
}

// True when the document sets `name` itself; otherwise the file name gives
// it and the rewritten file leaves it out too.
bool SetsName(const std::string& text) {
  try {
    YAML::Node doc = YAML::Load(text);
    return doc.IsMap() && doc["name"].IsDefined();
  } catch (const YAML::Exception&) {
    return true;
  }
}

Result<std::string> CurrentFormText(const std::string& path, const std::string& text,
                                    const migration::Migration& migration) {
  Json json = Json::parse(migration.raw_json);
  if (!SetsName(text)) json.erase("name");
  std::string ext = fs::path(path).extension().string();
  if (ext == ".json") return json.dump(2) + "\n";
  return history::MigrationJsonToYaml(json.dump(), LeadingComment(text));
}

// Writes beside the file and renames over it: an interrupted update leaves
// the old file or the new one, never half of one.
Status ReplaceFile(const std::string& path, const std::string& text) {
  std::string temp = path + ".zeroshift-update.tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return IoError(fmt::format("cannot write {}: is the directory writable?", temp));
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    return IoError(fmt::format("cannot replace {}: {}", path, ec.message()));
  }
  return Status::Ok();
}

}  // namespace

Result<UpdateReport> UpdateMigrationDir(const std::string& dir, bool dry_run) {
  ZS_ASSIGN_OR_RETURN(std::vector<std::string> files,
                      history::ListMigrationFiles(dir, /*use_ledger=*/false));
  UpdateReport report;
  report.files = files.size();
  for (const std::string& path : files) {
    ZS_ASSIGN_OR_RETURN(std::string text, ReadText(path));
    std::vector<migration::OlderForm> older_forms;
    ZS_ASSIGN_OR_RETURN(migration::Migration m,
                        migration::ParseMigration(text, path, &older_forms));
    if (older_forms.empty()) continue;
    ZS_ASSIGN_OR_RETURN(std::string updated, CurrentFormText(path, text, m));
    // The rewrite must read back as the same migration, in today's form.
    std::vector<migration::OlderForm> left;
    ZS_ASSIGN_OR_RETURN(migration::Migration again,
                        migration::ParseMigration(updated, path, &left));
    if (!left.empty() || again.raw_json != m.raw_json) {
      return Internal(
          fmt::format("{}: the rewritten file does not read back as the same "
                      "migration; the file was left as it is",
                      path));
    }
    if (!dry_run) ZS_RETURN_IF_ERROR(ReplaceFile(path, updated));
    report.updated.push_back({path, std::move(older_forms)});
  }
  return report;
}

void RegisterUpdate(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto* cmd = app.add_subcommand(
      "update",
      "Rewrite migration files written for earlier pgroll versions in the current form (in "
      "place; current files are left untouched)");
  auto dir = std::make_shared<std::string>();
  auto dry_run = std::make_shared<bool>(false);
  cmd->add_option("directory", *dir, "the migrations directory")->required();
  cmd->add_flag("--dry-run", *dry_run, "only list the files that would be rewritten");
  cmd->callback([&options, &run, dir, dry_run] {
    run = [&options, dir, dry_run]() -> Status {
      ZS_ASSIGN_OR_RETURN(UpdateReport report, UpdateMigrationDir(*dir, *dry_run));
      for (const UpdatedFile& file : report.updated) {
        std::cout << fmt::format("{} {}\n", *dry_run ? "would rewrite" : "rewrote", file.path);
        for (const migration::OlderForm& form : file.older_forms) {
          std::cout << fmt::format("  {}: {}\n", form.location.ToString(), form.description);
        }
      }
      if (!options.quiet) {
        std::cout << fmt::format("{} of {} migration files {} in an older form{}\n",
                                 report.updated.size(), report.files,
                                 report.updated.size() == 1 ? "was" : "were",
                                 report.updated.empty() ? "; nothing to do" : "");
      }
      return Status::Ok();
    };
  });
}

}  // namespace zs::cli
