#include "history/migration_dir.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <system_error>

#include "migration/parser.h"

namespace zs::history {

namespace fs = std::filesystem;

namespace {

bool IsMigrationFile(const fs::path& path) {
  std::string ext = path.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

Status RequireDirectory(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    return IoError(fmt::format("migrations directory {} does not exist; check the path", dir));
  }
  if (!fs::is_directory(dir, ec)) {
    return IoError(
        fmt::format("{} is not a directory; give the directory that holds the "
                    "migration files",
                    dir));
  }
  return Status::Ok();
}

std::string Trim(const std::string& text) {
  const char* space = " \t\r\n";
  size_t begin = text.find_first_not_of(space);
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(space) - begin + 1);
}

// The ledger's entries: one file name per line; blank lines and lines
// starting with '#' are skipped.
Result<std::vector<std::string>> ReadLedger(const fs::path& dir) {
  fs::path ledger = dir / kLedgerFile;
  std::ifstream in(ledger);
  if (!in) return IoError(fmt::format("cannot read {}", ledger.string()));
  std::vector<std::string> files;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string name = Trim(line);
    if (name.empty() || name[0] == '#') continue;
    std::error_code ec;
    if (name.find('/') != std::string::npos || !fs::is_regular_file(dir / name, ec)) {
      return IoError(fmt::format(
          "{}:{}: names \"{}\", which is not a file in {}; fix the ledger or add the file",
          ledger.string(), number, name, dir.string()));
    }
    if (std::find(files.begin(), files.end(), name) != files.end()) {
      return InvalidInput(fmt::format("{}:{}: \"{}\" is listed twice; list each file once",
                                      ledger.string(), number, name));
    }
    files.push_back(name);
  }
  return files;
}

Result<std::vector<std::string>> ScanDirectory(const fs::path& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec) && IsMigrationFile(entry.path())) {
      files.push_back(entry.path().filename().string());
    }
  }
  if (ec) return IoError(fmt::format("cannot list {}: {}", dir.string(), ec.message()));
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Result<std::vector<std::string>> ListMigrationFiles(const std::string& dir, bool use_ledger) {
  ZS_RETURN_IF_ERROR(RequireDirectory(dir));
  fs::path path(dir);
  std::error_code ec;
  std::vector<std::string> names;
  if (use_ledger && fs::exists(path / kLedgerFile, ec)) {
    ZS_ASSIGN_OR_RETURN(names, ReadLedger(path));
  } else {
    ZS_ASSIGN_OR_RETURN(names, ScanDirectory(path));
  }
  std::vector<std::string> paths;
  for (const auto& name : names) paths.push_back((path / name).string());
  return paths;
}

Result<std::vector<migration::Migration>> LoadMigrationDir(const std::string& dir,
                                                           bool use_ledger) {
  ZS_ASSIGN_OR_RETURN(std::vector<std::string> files, ListMigrationFiles(dir, use_ledger));
  std::vector<migration::Migration> migrations;
  std::map<std::string, std::string> file_of_name;
  for (const auto& file : files) {
    ZS_ASSIGN_OR_RETURN(migration::Migration m, migration::LoadMigrationFile(file));
    auto [it, inserted] = file_of_name.emplace(m.name, file);
    if (!inserted) {
      return InvalidInput(
          fmt::format("{} and {} both define migration \"{}\"; each migration needs its own name",
                      it->second, file, m.name));
    }
    migrations.push_back(std::move(m));
  }
  return migrations;
}

Status AppendToLedgerIfPresent(const std::string& dir, const std::string& file_name) {
  fs::path ledger = fs::path(dir) / kLedgerFile;
  std::error_code ec;
  if (!fs::exists(ledger, ec)) return Status::Ok();
  // A ledger whose last line lacks its newline gets one first.
  bool needs_newline = false;
  {
    std::ifstream in(ledger, std::ios::binary | std::ios::ate);
    if (in && in.tellg() > 0) {
      in.seekg(-1, std::ios::end);
      needs_newline = in.get() != '\n';
    }
  }
  std::ofstream out(ledger, std::ios::app);
  if (needs_newline) out << '\n';
  out << file_name << '\n';
  if (!out) return IoError(fmt::format("cannot append to {}", ledger.string()));
  return Status::Ok();
}

}  // namespace zs::history
