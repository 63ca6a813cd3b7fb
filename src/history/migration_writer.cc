#include "history/migration_writer.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "migration/names.h"
#include "migration/parser.h"

namespace zs::history {

namespace fs = std::filesystem;

namespace {

using Json = nlohmann::ordered_json;

// A literal block (`|`) keeps exactly one final newline and cannot start
// with a space without an indentation indicator (which yaml-cpp does not
// write): other multi-line strings are written double-quoted, with escapes.
bool ReadsBackAsLiteral(const std::string& text) {
  return text.size() >= 2 && text.back() == '\n' && text[text.size() - 2] != '\n' &&
         text.front() != ' ' && text.front() != '\t' && text.find('\r') == std::string::npos;
}

void Emit(YAML::Emitter& out, const Json& value) {
  if (value.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [key, item] : value.items()) {
      out << YAML::Key << key << YAML::Value;
      Emit(out, item);
    }
    out << YAML::EndMap;
  } else if (value.is_array()) {
    // An empty list stays a list: `operations: []`.
    if (value.empty()) out << YAML::Flow;
    out << YAML::BeginSeq;
    for (const auto& item : value) Emit(out, item);
    out << YAML::EndSeq;
  } else if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (text.find('\n') != std::string::npos)
      out << (ReadsBackAsLiteral(text) ? YAML::Literal : YAML::DoubleQuoted);
    out << text;
  } else if (value.is_boolean()) {
    out << value.get<bool>();
  } else if (value.is_null()) {
    out << YAML::Null;
  } else {
    out << value.dump();  // numbers, as written
  }
}

}  // namespace

std::string CanonicalMigrationJson(const std::string& migration_json) {
  Result<migration::Migration> parsed =
      migration::ParseMigration(migration_json, "stored-migration.json");
  return parsed.ok() ? migration::ToJson(*parsed) : migration_json;
}

Result<std::string> MigrationJsonToYaml(const std::string& migration_json,
                                        const std::string& comment) {
  Json json = Json::parse(migration_json, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Internal("the stored migration is not valid JSON");
  YAML::Emitter out;
  out.SetIndent(2);
  Emit(out, json);
  if (!out.good()) return Internal("cannot write the migration as YAML: " + out.GetLastError());
  std::string text;
  std::istringstream lines(comment);
  for (std::string line; std::getline(lines, line);) text += "# " + line + "\n";
  return text + out.c_str() + "\n";
}

Result<std::string> WriteMigrationFile(const std::string& dir, const std::string& file_stem,
                                       const std::string& migration_json, bool as_json,
                                       const std::string& yaml_comment) {
  // The stem comes from a migration name stored in the database: it must
  // name a file inside `dir`, never a path that leaves it.
  ZS_RETURN_IF_ERROR(migration::ValidateMigrationName(
      file_stem, fmt::format("cannot write a migration file into {}: file name", dir)));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError(fmt::format("cannot create directory {}: {}", dir, ec.message()));
  fs::path path = fs::path(dir) / (file_stem + (as_json ? ".json" : ".yaml"));
  if (fs::exists(path, ec)) {
    return Conflict(
        fmt::format("{} already exists; move it away or choose another name", path.string()));
  }
  std::string text;
  if (as_json) {
    Json json = Json::parse(migration_json, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) return Internal("the stored migration is not valid JSON");
    text = json.dump(2) + "\n";
  } else {
    ZS_ASSIGN_OR_RETURN(text, MigrationJsonToYaml(migration_json, yaml_comment));
  }
  std::ofstream file(path, std::ios::binary);
  file << text;
  file.close();
  if (!file) return IoError(fmt::format("cannot write {}", path.string()));
  return path.string();
}

}  // namespace zs::history
