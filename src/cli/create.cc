#include "cli/create.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "history/migration_dir.h"
#include "migration/names.h"

namespace zs::cli {

namespace fs = std::filesystem;

namespace {

// The digits a name starts with when they are followed by `_` ("02" of
// "02_split_name"), else "".
std::string NumericPrefix(const std::string& name) {
  size_t digits = 0;
  while (digits < name.size() && std::isdigit(static_cast<unsigned char>(name[digits]))) ++digits;
  if (digits == 0 || digits >= name.size() || name[digits] != '_') return "";
  return name.substr(0, digits);
}

Status RequireDirectory(const std::string& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return Status::Ok();
  if (fs::exists(dir, ec)) {
    return InvalidInput(
        fmt::format("{} is not a directory; give --dir the folder that holds "
                    "the migration files",
                    dir));
  }
  return NotFound(
      fmt::format("directory {} does not exist; create it (mkdir -p {}) or give "
                  "--dir the folder that holds the migration files",
                  dir, dir));
}

}  // namespace

Result<std::string> NextMigrationFileName(const std::string& dir, const std::string& name) {
  if (name.empty()) {
    return InvalidInput("zeroshift create: give the migration a NAME, e.g. add_email");
  }
  ZS_RETURN_IF_ERROR(RequireDirectory(dir));
  std::string stem = name;
  if (NumericPrefix(name).empty()) {
    // Every migration file counts, listed in the ledger or not.
    ZS_ASSIGN_OR_RETURN(auto files, history::ListMigrationFiles(dir, /*use_ledger=*/false));
    unsigned long long last = 0;
    size_t width = 2;
    for (const std::string& file : files) {
      std::string file_stem = fs::path(file).stem().string();
      std::string prefix = NumericPrefix(file_stem);
      if (file_stem == name || (!prefix.empty() && file_stem.substr(prefix.size() + 1) == name)) {
        return InvalidInput(
            fmt::format("{} already holds a migration that does \"{}\"; choose "
                        "another NAME, or edit that file",
                        (fs::path(dir) / file).lexically_normal().string(), name));
      }
      if (prefix.empty() || prefix.size() > 18) continue;
      last = std::max(last, std::stoull(prefix));
      width = std::max(width, prefix.size());
    }
    stem = fmt::format("{:0{}}_{}", last + 1, width, name);
  }
  ZS_RETURN_IF_ERROR(
      migration::ValidateMigrationName(stem, "zeroshift create: the migration name"));
  return stem + ".yaml";
}

std::string MigrationSkeleton(const std::string& name) {
  return fmt::format(
      R"(# {}: say here what this migration changes and why.
# The migration's name is the file's name. Add operations under `operations:`
# (pgroll's format: https://github.com/xataio/pgroll/tree/main/docs), for example:
#
#   - add_column:
#       table: users
#       up: "''"                       # fills existing rows and old-version writes
#       column: {{name: email, type: text, nullable: true}}
#   - rename_column: {{table: users, from: name, to: full_name}}
#   - create_index: {{name: users_email_idx, table: users, columns: [{{column: email}}]}}
#
# `zeroshift validate` this file to check it against the database, `zeroshift plan`
# it to see every statement and its lock, then `zeroshift start` it.
operations: []
)",
      name);
}

Result<std::string> CreateMigration(const std::string& dir, const std::string& name) {
  ZS_ASSIGN_OR_RETURN(std::string file_name, NextMigrationFileName(dir, name));
  std::string path = (fs::path(dir) / file_name).lexically_normal().string();
  // "x": fails when the file exists, so a migration is never overwritten.
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "wx"), &std::fclose);
  if (!file) {
    std::error_code ec;
    if (fs::exists(path, ec)) {
      return InvalidInput(
          fmt::format("{} already exists; choose another NAME, or edit that file", path));
    }
    return IoError(fmt::format("cannot create {}; check that the folder is writable", path));
  }
  std::string text = MigrationSkeleton(fs::path(file_name).stem().string());
  if (std::fwrite(text.data(), 1, text.size(), file.get()) != text.size() ||
      std::fflush(file.get()) != 0) {
    return IoError(fmt::format("cannot write {}; check the disk space", path));
  }
  ZS_RETURN_IF_ERROR(history::AppendToLedgerIfPresent(dir, file_name));
  return path;
}

}  // namespace zs::cli
