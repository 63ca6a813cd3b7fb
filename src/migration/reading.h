// The shared reading layer of the migration format: the document being read
// (Source), strict mappings (StrictMap) and scalar readers that name the key
// and file:line:column in every error. The document parser (parser.cc), the
// shared parts (parts_format.h) and each operation's format.cc
// (src/ops/<name>/format.cc) read through it. It knows no operation.
#pragma once

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "migration/expected_form.h"
#include "migration/older_forms.h"
#include "migration/parts.h"

namespace zs::migration {

// Keys keep the order of the file, which makes the stored JSON easy to diff
// against the migration file it came from.
using Json = nlohmann::ordered_json;
using Keys = std::initializer_list<std::string_view>;

template <typename Range>
std::string Join(const Range& keys) {
  std::string out;
  for (std::string_view key : keys) {
    if (!out.empty()) out += ", ";
    out += key;
  }
  return out;
}

// Levenshtein distance, for "did you mean" suggestions.
size_t EditDistance(std::string_view a, std::string_view b);

// `; did you mean "x"?` for the closest candidate, or "" when none is close
// enough to be a plausible typo.
template <typename Range>
std::string Suggestion(std::string_view word, const Range& candidates) {
  std::string_view best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (std::string_view candidate : candidates) {
    size_t distance = EditDistance(word, candidate);
    // distance < size: replacing every letter is no typo ("ab" is not "up").
    if (distance < best_distance && distance < word.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (best.empty()) return "";
  return fmt::format("; did you mean \"{}\"?", best);
}

// The document being read; every error names its file.
struct Source {
  std::string file;
  // Elements (mapping entries, sequence items) read so far, and the most the
  // file may expand to: at most one per byte of text without YAML aliases,
  // while aliases can make a 100 KB file repeat a subtree a billion times.
  mutable size_t elements_read = 0;
  size_t element_budget = 0;
  // The same for the bytes of the scalars read: an alias repeats a whole
  // scalar, so 1.5 M aliases of one 4 MB string are 6 TB to copy while the
  // element count stays below the budget above.
  mutable size_t scalar_bytes_read = 0;
  size_t scalar_byte_budget = 0;
  // Names of a migration zeroshift stored itself (a state row) are not
  // checked again: a row an older zeroshift wrote must stay loadable, so that
  // it can still be rolled back or completed.
  bool check_names = true;
  // Older forms read as today's (older_forms.h); never null.
  std::vector<OlderForm>* older_forms = nullptr;
};

// Counts the bytes of the scalar `node` before it is scanned or copied; an
// error once the budget is spent.
Status CountScalarBytes(const Source& src, const YAML::Node& node);

// Counts one element read at `node`; an error once the budget is spent.
Status CountElement(const Source& src, const YAML::Node& node);

SourceLocation LocationOf(const Source& src, const YAML::Node& node);
Status ErrorAt(const Source& src, const YAML::Node& node, const std::string& message);
std::string_view TypeName(const YAML::Node& node);

// Any scalar is accepted as a string, so that `default: 0` reads as "0".
Status ReadString(const Source& src, const YAML::Node& node, const std::string& path,
                  std::string* out);

// Only plain (unquoted) true/false: a quoted "true" is a string in JSON Schema.
Status ReadBool(const Source& src, const YAML::Node& node, const std::string& path, bool* out);

// A YAML mapping whose keys were checked against the schema's allowed and
// required keys. The typed getters leave their output untouched when the key
// is absent, so the model's defaults apply.
class StrictMap {
 public:
  // `what` names the mapping in messages: "add_column", "create_table.columns[2]".
  static Result<StrictMap> Open(const Source& src, const YAML::Node& node, std::string what,
                                Keys allowed, Keys required = {});

  SourceLocation location() const { return LocationOf(*src_, node_); }

  Status Get(std::string_view key, std::string* out) const {
    const YAML::Node* value = Find(key);
    return value ? ReadString(*src_, *value, Path(key), out) : Status::Ok();
  }

  Status Get(std::string_view key, std::optional<std::string>* out) const {
    if (!Find(key)) return Status::Ok();
    return Get(key, &out->emplace());
  }

  Status Get(std::string_view key, bool* out) const {
    const YAML::Node* value = Find(key);
    return value ? ReadBool(*src_, *value, Path(key), out) : Status::Ok();
  }

  Status Get(std::string_view key, std::optional<bool>* out) const {
    if (!Find(key)) return Status::Ok();
    return Get(key, &out->emplace());
  }

  // A string that may be written as null, meaning "remove it".
  Status Get(std::string_view key, std::optional<NullableString>* out) const {
    const YAML::Node* value = Find(key);
    if (!value) return Status::Ok();
    NullableString& result = out->emplace();
    result.is_null = value->IsNull();
    return result.is_null ? Status::Ok() : ReadString(*src_, *value, Path(key), &result.value);
  }

  Status Get(std::string_view key, std::vector<std::string>* out) const {
    const YAML::Node* value = Find(key);
    if (!value) return Status::Ok();
    ZS_RETURN_IF_ERROR(ExpectSequence(key, *value));
    out->clear();
    for (size_t i = 0; i < value->size(); ++i) {
      ZS_RETURN_IF_ERROR(CountElement(*src_, (*value)[i]));
      ZS_RETURN_IF_ERROR(ReadString(*src_, (*value)[i], fmt::format("{}[{}]", Path(key), i),
                                    &out->emplace_back()));
    }
    return Status::Ok();
  }

  // A mapping of column name to SQL expression (MultiColumnUpSQL).
  Status Get(std::string_view key, std::map<std::string, std::string>* out) const {
    const YAML::Node* value = Find(key);
    if (!value) return Status::Ok();
    ZS_ASSIGN_OR_RETURN(StrictMap map, Open(*src_, *value, Path(key), {}));
    out->clear();
    for (const auto& [name, node] : map.entries_) {
      ZS_RETURN_IF_ERROR(ReadString(*src_, node, map.Path(name), &(*out)[name]));
    }
    return Status::Ok();
  }

  Status GetEnum(std::string_view key, Keys values, std::string* out) const {
    const YAML::Node* value = Find(key);
    if (!value) return Status::Ok();
    std::string text;
    ZS_RETURN_IF_ERROR(ReadString(*src_, *value, Path(key), &text));
    if (std::find(values.begin(), values.end(), text) == values.end()) {
      return ErrorAt(*src_, *value,
                     fmt::format("invalid value \"{}\" for {} (expected one of: {}){}", text,
                                 Path(key), Join(values), Suggestion(text, values)));
    }
    *out = std::move(text);
    return Status::Ok();
  }

  // `parse` has the signature of the Parse* functions (parts_format.h, format.h).
  template <typename T, typename ParseFn>
  Status GetObject(std::string_view key, ParseFn parse, T* out) const {
    const YAML::Node* value = Find(key);
    if (!value) return Status::Ok();
    ZS_ASSIGN_OR_RETURN(*out, parse(*src_, *value, Path(key)));
    return Status::Ok();
  }

  template <typename T, typename ParseFn>
  Status GetObject(std::string_view key, ParseFn parse, std::optional<T>* out) const {
    if (!Find(key)) return Status::Ok();
    return GetObject(key, parse, &out->emplace());
  }

  template <typename T, typename ParseFn>
  Status GetList(std::string_view key, ParseFn parse, std::vector<T>* out) const {
    const YAML::Node* value = Find(key);
    if (!value) return Status::Ok();
    ZS_RETURN_IF_ERROR(ExpectSequence(key, *value));
    out->clear();
    for (size_t i = 0; i < value->size(); ++i) {
      ZS_RETURN_IF_ERROR(CountElement(*src_, (*value)[i]));
      ZS_ASSIGN_OR_RETURN(T item, parse(*src_, (*value)[i], fmt::format("{}[{}]", Path(key), i)));
      out->push_back(std::move(item));
    }
    return Status::Ok();
  }

  const YAML::Node* Find(std::string_view key) const {
    for (const auto& [name, node] : entries_) {
      if (name == key) return &node;
    }
    return nullptr;
  }

  // The keys present, with the node of each key (for locations) and its value.
  struct Entry {
    std::string_view key;
    const YAML::Node& key_node;
    const YAML::Node& value;
  };
  std::vector<Entry> Entries() const {
    std::vector<Entry> out;
    for (size_t i = 0; i < entries_.size(); ++i) {
      out.push_back({entries_[i].first, key_nodes_[i], entries_[i].second});
    }
    return out;
  }

  const std::string& what() const { return what_; }

 private:
  StrictMap(const Source& src, const YAML::Node& node, std::string what)
      : src_(&src), node_(node), what_(std::move(what)) {}

  // Fills entries_; an empty `allowed` accepts any key (free-form maps).
  Status CheckKeys(Keys allowed, Keys required);

  Status ExpectSequence(std::string_view key, const YAML::Node& value) const {
    if (value.IsSequence()) return Status::Ok();
    return ErrorAt(*src_, value,
                   fmt::format("{} must be a sequence, got {}; expected the form `{}`", Path(key),
                               TypeName(value), ExampleSequence(Path(key))));
  }

  std::string Path(std::string_view key) const { return fmt::format("{}.{}", what_, key); }

  const Source* src_;  // outlives the map: both live for one ParseMigration call
  YAML::Node node_;
  std::string what_;
  std::vector<std::pair<std::string, YAML::Node>> entries_;
  std::vector<YAML::Node> key_nodes_;  // parallel to entries_
};

}  // namespace zs::migration
