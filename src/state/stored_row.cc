#include "state/stored_row.h"

#include <nlohmann/json.hpp>

namespace zs::state {

std::vector<MigrationPart> PartsFromJson(const std::string& text) {
  std::vector<MigrationPart> parts;
  if (text.empty()) return parts;
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_array()) return parts;
  for (const auto& item : json) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) continue;
    parts.push_back({.name = item["name"].get<std::string>(),
                     .migration_json = item.value("migration", nlohmann::json::object()).dump()});
  }
  return parts;
}

std::optional<std::string> PartsToJson(const std::vector<MigrationPart>& parts) {
  if (parts.empty()) return std::nullopt;
  nlohmann::json array = nlohmann::json::array();
  for (const auto& part : parts) {
    array.push_back({{"name", part.name},
                     {"migration", nlohmann::json::parse(part.migration_json, nullptr, false)}});
  }
  return array.dump();
}

std::optional<std::string> SchemaText(const std::optional<schema::Schema>& schema) {
  if (!schema) return std::nullopt;
  return schema::ToJson(*schema).dump();
}

std::optional<std::string> SnapshotsText(const std::vector<schema::Schema>& snapshots) {
  if (snapshots.empty()) return std::nullopt;
  nlohmann::json array = nlohmann::json::array();
  for (const auto& snapshot : snapshots) array.push_back(schema::ToJson(snapshot));
  return array.dump();
}

}  // namespace zs::state
