// Reading and writing the shared parts of the format (parts.h), and the
// helpers every operation's format.cc writes JSON with.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migration/reading.h"

namespace zs::migration {

// Readers of the schema's object types. Required keys follow the schema
// except that up/down are always optional (pgroll's own examples omit them
// where the schema demands them).
Result<CheckConstraint> ParseCheck(const Source& src, const YAML::Node& node,
                                   const std::string& what);
Result<ForeignKeyReference> ParseForeignKey(const Source& src, const YAML::Node& node,
                                            const std::string& what);
Result<Column> ParseColumn(const Source& src, const YAML::Node& node, const std::string& what);
Result<TableForeignKeyReference> ParseTableForeignKey(const Source& src, const YAML::Node& node,
                                                      const std::string& what);
Result<IndexParameters> ParseIndexParameters(const Source& src, const YAML::Node& node,
                                             const std::string& what);
Result<Constraint> ParseConstraint(const Source& src, const YAML::Node& node,
                                   const std::string& what);

// The keys each constraint type takes, besides those every constraint takes.
// pgroll's schema refuses the others (allOf/if/then), except when they hold
// their empty value, which it accepts and zeroshift does too.
struct TypeKeys {
  std::string_view type;
  Keys keys;
};

// "", false, [] and {}: what pgroll's schema lets a key that does not apply hold.
bool IsEmptyValue(const YAML::Node& node);

template <size_t N>
Status CheckKeysApply(const Source& src, const StrictMap& m, std::string_view type, Keys common,
                      const TypeKeys (&by_type)[N]) {
  const TypeKeys* allowed = nullptr;
  for (const TypeKeys& entry : by_type) {
    if (entry.type == type) allowed = &entry;
  }
  if (allowed == nullptr) return Status::Ok();  // the type's own error came first
  auto in = [](Keys keys, std::string_view key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
  };
  for (const StrictMap::Entry& entry : m.Entries()) {
    if (in(common, entry.key) || in(allowed->keys, entry.key) || IsEmptyValue(entry.value)) {
      continue;
    }
    std::vector<std::string_view> takes(common.begin(), common.end());
    takes.insert(takes.end(), allowed->keys.begin(), allowed->keys.end());
    std::string_view article = type.front() == 'e' ? "an" : "a";
    return ErrorAt(src, entry.key_node,
                   fmt::format("\"{}\" does not apply to {} {} constraint ({}); {} {} "
                               "constraint takes: {}. Remove the key, or change the constraint's "
                               "type",
                               entry.key, article, type, m.what(), article, type, Join(takes)));
  }
  return Status::Ok();
}

// ---- Serialisation: keys as in the pgroll format; fields at their default
// value are left out so that parsing the output yields the same model.

Json ToJsonValue(const CheckConstraint& check);
Json ToJsonValue(const ForeignKeyReference& ref);
Json ToJsonValue(const IdentityOptions& identity);
Json ToJsonValue(const GeneratedColumn& generated);
Json ToJsonValue(const Column& column);
Json ToJsonValue(const TableForeignKeyReference& ref);
Json ToJsonValue(const IndexParameters& params);
Json ToJsonValue(const ExcludeConstraint& exclude);
Json ToJsonValue(const Constraint& c);

inline void PutIf(Json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}
inline void PutIf(Json& j, const char* key, bool value) {
  if (value) j[key] = true;
}
inline void PutIf(Json& j, const char* key, const std::vector<std::string>& value) {
  if (!value.empty()) j[key] = value;
}
inline void PutIf(Json& j, const char* key, const std::map<std::string, std::string>& value) {
  if (!value.empty()) j[key] = value;
}
inline void PutIf(Json& j, const char* key, const std::optional<std::string>& value) {
  if (value) j[key] = *value;
}
inline void PutIf(Json& j, const char* key, const std::optional<bool>& value) {
  if (value) j[key] = *value;
}
inline void PutIfNot(Json& j, const char* key, const std::string& value,
                     std::string_view fallback) {
  if (value != fallback) j[key] = value;
}
template <typename T>
inline void PutIf(Json& j, const char* key, const std::optional<T>& value) {
  if (value) j[key] = ToJsonValue(*value);
}
template <typename T>
Json ListToJson(const std::vector<T>& items) {
  Json list = Json::array();
  for (const T& item : items) list.push_back(ToJsonValue(item));
  return list;
}

}  // namespace zs::migration
