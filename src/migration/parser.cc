#include "migration/parser.h"

#include "migration/expected_form.h"
#include "migration/names.h"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cctype>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

namespace zs::migration {
namespace {

// Keys keep the order of the file, which makes the stored JSON easy to diff
// against the migration file it came from.
using Json = nlohmann::ordered_json;
using Keys = std::initializer_list<std::string_view>;

constexpr std::uintmax_t kMaxFileBytes = 10 * 1024 * 1024;

// The enums of pgroll-migration-schema.json. Comparison is case-sensitive, as
// JSON Schema validation is in pgroll.
const Keys kIndexMethods = {"btree", "hash", "gist", "spgist", "gin", "brin"};
const Keys kSortOrders = {"ASC", "DESC"};
const Keys kNullsOrders = {"FIRST", "LAST"};
const Keys kMatchTypes = {"SIMPLE", "FULL", "PARTIAL"};
const Keys kFkActions = {"NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"};
const Keys kTableConstraintTypes = {"unique", "check", "primary_key", "foreign_key", "exclude"};
const Keys kCreateConstraintTypes = {"unique", "check", "foreign_key", "primary_key"};
const Keys kIdentityValues = {"ALWAYS", "BY DEFAULT"};

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
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

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

// The byte offset of the first NUL byte or invalid UTF-8 sequence in `text`
// (overlong forms, surrogates and code points past U+10FFFF included), or npos.
size_t FirstInvalidByte(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0) return i;
    size_t length = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xe  ? 3
                    : (c >> 3) == 0x1e ? 4
                                       : 0;
    if (length == 0 || i + length > text.size()) return i;
    uint32_t code = length == 1 ? c : c & (0x7f >> length);
    for (size_t k = 1; k < length; ++k) {
      unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return i;
      code = (code << 6) | (next & 0x3f);
    }
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return i;
    }
    i += length;
  }
  return std::string::npos;
}

SourceLocation LocationOf(const Source& src, const YAML::Node& node) {
  YAML::Mark mark = node.Mark();
  if (mark.line < 0) return {src.file, 0, 0};
  return {src.file, mark.line + 1, mark.column + 1};
}

Status ErrorAt(const Source& src, const YAML::Node& node, const std::string& message) {
  return InvalidInput(LocationOf(src, node).ToString() + ": " + message);
}

std::string_view TypeName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "nothing";
  }
}

// Any scalar is accepted as a string, so that `default: 0` reads as "0".
Status ReadString(const Source& src, const YAML::Node& node, const std::string& path,
                  std::string* out) {
  if (!node.IsScalar()) {
    return ErrorAt(src, node,
                   fmt::format("{} must be a string, got {}; expected the form `{}`", path,
                               TypeName(node), ExampleScalar(path, false)));
  }
  ZS_RETURN_IF_ERROR(CountScalarBytes(src, node));
  // A NUL would cut the text short for the SQL parser and for libpq, and
  // PostgreSQL rejects invalid UTF-8 only once something has already run.
  size_t bad = FirstInvalidByte(node.Scalar());
  if (bad != std::string::npos) {
    unsigned char byte = static_cast<unsigned char>(node.Scalar()[bad]);
    return ErrorAt(src, node,
                   fmt::format("{} has {} at byte {}; write the file as UTF-8 text without NUL "
                               "bytes",
                               path,
                               byte == 0 ? std::string("a NUL byte")
                                         : fmt::format("invalid UTF-8 (byte 0x{:02x})", byte),
                               bad + 1));
  }
  *out = node.Scalar();
  return Status::Ok();
}

Status CountElement(const Source& src, const YAML::Node& node) {
  if (++src.elements_read <= src.element_budget) return Status::Ok();
  return ErrorAt(src, node,
                 fmt::format("the migration expands to more than {} elements, more than a file "
                             "of its size can hold: YAML aliases (*name) repeat parts of it "
                             "over and over; write the migration out without them",
                             src.element_budget));
}

Status CountScalarBytes(const Source& src, const YAML::Node& node) {
  src.scalar_bytes_read += node.Scalar().size();
  if (src.scalar_bytes_read <= src.scalar_byte_budget) return Status::Ok();
  return ErrorAt(src, node,
                 fmt::format("the migration's strings expand to more than {} bytes, more than a "
                             "file of its size can hold: YAML aliases (*name) repeat a string "
                             "over and over; write the migration out without them",
                             src.scalar_byte_budget));
}

// Only plain (unquoted) true/false: a quoted "true" is a string in JSON Schema.
Status ReadBool(const Source& src, const YAML::Node& node, const std::string& path, bool* out) {
  static const Keys kTrue = {"true", "True", "TRUE"};
  static const Keys kFalse = {"false", "False", "FALSE"};
  bool plain = node.IsScalar() && node.Tag() != "!";
  static const std::string kNoText;
  // A reference: an alias of a huge scalar must not be copied once per use.
  const std::string& text = node.IsScalar() ? node.Scalar() : kNoText;
  if (plain && std::find(kTrue.begin(), kTrue.end(), text) != kTrue.end()) {
    *out = true;
  } else if (plain && std::find(kFalse.begin(), kFalse.end(), text) != kFalse.end()) {
    *out = false;
  } else if (node.IsScalar()) {
    return ErrorAt(src, node,
                   fmt::format("{} must be true or false, got \"{}\"; expected the form `{}` "
                               "(unquoted)",
                               path, text, ExampleScalar(path, true)));
  } else {
    return ErrorAt(src, node,
                   fmt::format("{} must be true or false, got {}; expected the form `{}`", path,
                               TypeName(node), ExampleScalar(path, true)));
  }
  return Status::Ok();
}

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

  // `parse` has the signature of the Parse* functions below.
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

Result<StrictMap> StrictMap::Open(const Source& src, const YAML::Node& node, std::string what,
                                  Keys allowed, Keys required) {
  if (!node.IsMap()) {
    return ErrorAt(src, node,
                   fmt::format("{} must be a mapping, got {}; expected the form `{}`", what,
                               TypeName(node), ExampleMapping(what)));
  }
  StrictMap map(src, node, std::move(what));
  ZS_RETURN_IF_ERROR(map.CheckKeys(allowed, required));
  return map;
}

Status StrictMap::CheckKeys(Keys allowed, Keys required) {
  for (const auto& entry : node_) {
    const YAML::Node& key_node = entry.first;
    ZS_RETURN_IF_ERROR(CountElement(*src_, key_node));
    if (!key_node.IsScalar()) {
      return ErrorAt(*src_, key_node,
                     fmt::format("keys of {} must be strings, got {}; expected the form `{}`",
                                 what_, TypeName(key_node), ExampleMapping(what_)));
    }
    std::string key;
    ZS_RETURN_IF_ERROR(ReadString(*src_, key_node, "a key of " + what_, &key));
    if (allowed.size() > 0 && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return ErrorAt(*src_, key_node,
                     fmt::format("unknown key \"{}\" in {} (expected one of: {}){}", key, what_,
                                 Join(allowed), Suggestion(key, allowed)));
    }
    if (Find(key)) {
      return ErrorAt(*src_, key_node, fmt::format("duplicate key \"{}\" in {}", key, what_));
    }
    entries_.emplace_back(key, entry.second);
    key_nodes_.push_back(key_node);
  }
  for (std::string_view key : required) {
    if (!Find(key)) {
      return ErrorAt(*src_, node_,
                     fmt::format("missing required key \"{}\" in {}; expected the form `{}`", key,
                                 what_, ExampleMapping(what_)));
    }
  }
  return Status::Ok();
}

// ---- The schema's object types, one reader each. Required keys follow the
// schema except that up/down are always optional (pgroll's own examples omit
// them where the schema demands them).

Result<CheckConstraint> ParseCheck(const Source& src, const YAML::Node& node,
                                   const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m,
                      StrictMap::Open(src, node, what, {"name", "constraint", "no_inherit"},
                                      {"name", "constraint"}));
  CheckConstraint check;
  ZS_RETURN_IF_ERROR(m.Get("name", &check.name));
  ZS_RETURN_IF_ERROR(m.Get("constraint", &check.constraint));
  ZS_RETURN_IF_ERROR(m.Get("no_inherit", &check.no_inherit));
  return check;
}

Result<ForeignKeyReference> ParseForeignKey(const Source& src, const YAML::Node& node,
                                            const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m,
                      StrictMap::Open(src, node, what,
                                      {"name", "table", "column", "match_type", "on_delete",
                                       "on_update", "deferrable", "initially_deferred"},
                                      {"name", "table", "column"}));
  ForeignKeyReference ref;
  ZS_RETURN_IF_ERROR(m.Get("name", &ref.name));
  ZS_RETURN_IF_ERROR(m.Get("table", &ref.table));
  ZS_RETURN_IF_ERROR(m.Get("column", &ref.column));
  ZS_RETURN_IF_ERROR(m.GetEnum("match_type", kMatchTypes, &ref.match_type));
  ZS_RETURN_IF_ERROR(m.GetEnum("on_delete", kFkActions, &ref.on_delete));
  ZS_RETURN_IF_ERROR(m.GetEnum("on_update", kFkActions, &ref.on_update));
  ZS_RETURN_IF_ERROR(m.Get("deferrable", &ref.deferrable));
  ZS_RETURN_IF_ERROR(m.Get("initially_deferred", &ref.initially_deferred));
  return ref;
}

Result<IdentityOptions> ParseIdentity(const Source& src, const YAML::Node& node,
                                      const std::string& what) {
  ZS_ASSIGN_OR_RETURN(
      StrictMap m, StrictMap::Open(src, node, what, {"sequence_options", "user_specified_values"}));
  IdentityOptions identity;
  ZS_RETURN_IF_ERROR(m.Get("sequence_options", &identity.sequence_options));
  ZS_RETURN_IF_ERROR(
      m.GetEnum("user_specified_values", kIdentityValues, &identity.user_specified_values));
  return identity;
}

Result<GeneratedColumn> ParseGenerated(const Source& src, const YAML::Node& node,
                                       const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"expression", "identity"}));
  GeneratedColumn generated;
  ZS_RETURN_IF_ERROR(m.Get("expression", &generated.expression));
  ZS_RETURN_IF_ERROR(m.GetObject("identity", ParseIdentity, &generated.identity));
  return generated;
}

Result<Column> ParseColumn(const Source& src, const YAML::Node& node, const std::string& what) {
  ZS_ASSIGN_OR_RETURN(
      StrictMap m, StrictMap::Open(src, node, what,
                                   {"name", "type", "nullable", "pk", "unique", "default", "check",
                                    "references", "comment", "generated"},
                                   {"name", "type"}));
  Column column;
  column.location = m.location();
  ZS_RETURN_IF_ERROR(m.Get("name", &column.name));
  ZS_RETURN_IF_ERROR(m.Get("type", &column.type));
  ZS_RETURN_IF_ERROR(m.Get("nullable", &column.nullable));
  ZS_RETURN_IF_ERROR(m.Get("pk", &column.pk));
  ZS_RETURN_IF_ERROR(m.Get("unique", &column.unique));
  ZS_RETURN_IF_ERROR(m.Get("default", &column.default_value));
  ZS_RETURN_IF_ERROR(m.GetObject("check", ParseCheck, &column.check));
  ZS_RETURN_IF_ERROR(m.GetObject("references", ParseForeignKey, &column.references));
  ZS_RETURN_IF_ERROR(m.Get("comment", &column.comment));
  ZS_RETURN_IF_ERROR(m.GetObject("generated", ParseGenerated, &column.generated));
  return column;
}

Result<TableForeignKeyReference> ParseTableForeignKey(const Source& src, const YAML::Node& node,
                                                      const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what,
                                                   {"table", "columns", "match_type", "on_update",
                                                    "on_delete", "on_delete_set_columns"},
                                                   {"table", "columns"}));
  TableForeignKeyReference ref;
  ZS_RETURN_IF_ERROR(m.Get("table", &ref.table));
  ZS_RETURN_IF_ERROR(m.Get("columns", &ref.columns));
  ZS_RETURN_IF_ERROR(m.GetEnum("match_type", kMatchTypes, &ref.match_type));
  ZS_RETURN_IF_ERROR(m.GetEnum("on_update", kFkActions, &ref.on_update));
  ZS_RETURN_IF_ERROR(m.GetEnum("on_delete", kFkActions, &ref.on_delete));
  ZS_RETURN_IF_ERROR(m.Get("on_delete_set_columns", &ref.on_delete_set_columns));
  return ref;
}

Result<IndexParameters> ParseIndexParameters(const Source& src, const YAML::Node& node,
                                             const std::string& what) {
  ZS_ASSIGN_OR_RETURN(
      StrictMap m,
      StrictMap::Open(src, node, what, {"tablespace", "storage_parameters", "include_columns"}));
  IndexParameters params;
  ZS_RETURN_IF_ERROR(m.Get("tablespace", &params.tablespace));
  ZS_RETURN_IF_ERROR(m.Get("storage_parameters", &params.storage_parameters));
  ZS_RETURN_IF_ERROR(m.Get("include_columns", &params.include_columns));
  return params;
}

Result<ExcludeConstraint> ParseExclude(const Source& src, const YAML::Node& node,
                                       const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m,
                      StrictMap::Open(src, node, what, {"index_method", "elements", "predicate"}));
  ExcludeConstraint exclude;
  ZS_RETURN_IF_ERROR(m.Get("index_method", &exclude.index_method));
  ZS_RETURN_IF_ERROR(m.Get("elements", &exclude.elements));
  ZS_RETURN_IF_ERROR(m.Get("predicate", &exclude.predicate));
  return exclude;
}

// The keys each constraint type takes, besides those every constraint takes.
// pgroll's schema refuses the others (allOf/if/then), except when they hold
// their empty value, which it accepts and zeroshift does too.
struct TypeKeys {
  std::string_view type;
  Keys keys;
};

const Keys kTableConstraintCommonKeys = {"name", "type"};
const TypeKeys kTableConstraintKeys[] = {
    {"unique",
     {"columns", "deferrable", "initially_deferred", "nulls_not_distinct", "index_parameters"}},
    {"check", {"check", "no_inherit", "columns"}},
    {"primary_key", {"columns", "deferrable", "initially_deferred", "index_parameters"}},
    {"foreign_key", {"columns", "references", "deferrable", "initially_deferred"}},
    {"exclude", {"exclude", "deferrable", "initially_deferred", "index_parameters"}},
};

const Keys kCreateConstraintCommonKeys = {"table", "name", "type", "up", "down"};
const TypeKeys kCreateConstraintKeys[] = {
    {"unique", {"columns", "index_parameters"}},
    {"check", {"columns", "check", "no_inherit"}},
    {"foreign_key", {"columns", "references"}},
    {"primary_key", {"columns", "index_parameters"}},
};

// "", false, [] and {}: what pgroll's schema lets a key that does not apply hold.
bool IsEmptyValue(const YAML::Node& node) {
  if (node.IsSequence() || node.IsMap()) return node.size() == 0;
  if (!node.IsScalar()) return false;
  return node.Scalar().empty() || (node.Tag() != "!" && node.Scalar() == "false");
}

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

Result<Constraint> ParseConstraint(const Source& src, const YAML::Node& node,
                                   const std::string& what) {
  ZS_ASSIGN_OR_RETURN(
      StrictMap m, StrictMap::Open(src, node, what,
                                   {"name", "type", "columns", "deferrable", "initially_deferred",
                                    "nulls_not_distinct", "no_inherit", "check", "references",
                                    "exclude", "index_parameters"},
                                   {"name", "type"}));
  Constraint c;
  c.location = m.location();
  ZS_RETURN_IF_ERROR(m.Get("name", &c.name));
  ZS_RETURN_IF_ERROR(m.GetEnum("type", kTableConstraintTypes, &c.type));
  ZS_RETURN_IF_ERROR(m.Get("columns", &c.columns));
  ZS_RETURN_IF_ERROR(m.Get("deferrable", &c.deferrable));
  ZS_RETURN_IF_ERROR(m.Get("initially_deferred", &c.initially_deferred));
  ZS_RETURN_IF_ERROR(m.Get("nulls_not_distinct", &c.nulls_not_distinct));
  ZS_RETURN_IF_ERROR(m.Get("no_inherit", &c.no_inherit));
  ZS_RETURN_IF_ERROR(m.Get("check", &c.check));
  ZS_RETURN_IF_ERROR(m.GetObject("references", ParseTableForeignKey, &c.references));
  ZS_RETURN_IF_ERROR(m.GetObject("exclude", ParseExclude, &c.exclude));
  ZS_RETURN_IF_ERROR(m.GetObject("index_parameters", ParseIndexParameters, &c.index_parameters));
  ZS_RETURN_IF_ERROR(
      CheckKeysApply(src, m, c.type, kTableConstraintCommonKeys, kTableConstraintKeys));
  return c;
}

Result<UniqueConstraint> ParseUnique(const Source& src, const YAML::Node& node,
                                     const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"name"}, {"name"}));
  UniqueConstraint unique;
  ZS_RETURN_IF_ERROR(m.Get("name", &unique.name));
  return unique;
}

Result<IndexOpclass> ParseOpclass(const Source& src, const YAML::Node& node,
                                  const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"name", "params"}));
  IndexOpclass opclass;
  ZS_RETURN_IF_ERROR(m.Get("name", &opclass.name));
  ZS_RETURN_IF_ERROR(m.Get("params", &opclass.params));
  return opclass;
}

Result<IndexField> ParseIndexField(const Source& src, const YAML::Node& node,
                                   const std::string& what) {
  ZS_ASSIGN_OR_RETURN(
      StrictMap m, StrictMap::Open(src, node, what,
                                   {"column", "collate", "sort", "opclass", "nulls"}, {"column"}));
  IndexField field;
  ZS_RETURN_IF_ERROR(m.Get("column", &field.column));
  ZS_RETURN_IF_ERROR(m.Get("collate", &field.collate));
  ZS_RETURN_IF_ERROR(m.GetEnum("sort", kSortOrders, &field.sort));
  ZS_RETURN_IF_ERROR(m.GetEnum("nulls", kNullsOrders, &field.nulls));
  ZS_RETURN_IF_ERROR(m.GetObject("opclass", ParseOpclass, &field.opclass));
  return field;
}

// ---- Operations.

Result<OpCreateTable> ParseCreateTable(const Source& src, const YAML::Node& node,
                                       const std::string& what) {
  ZS_ASSIGN_OR_RETURN(
      StrictMap m, StrictMap::Open(src, node, what, {"name", "columns", "comment", "constraints"},
                                   {"name", "columns"}));
  OpCreateTable op;
  ZS_RETURN_IF_ERROR(m.Get("name", &op.name));
  ZS_RETURN_IF_ERROR(m.GetList("columns", ParseColumn, &op.columns));
  ZS_RETURN_IF_ERROR(m.Get("comment", &op.comment));
  ZS_RETURN_IF_ERROR(m.GetList("constraints", ParseConstraint, &op.constraints));
  return op;
}

Result<OpAddColumn> ParseAddColumn(const Source& src, const YAML::Node& node,
                                   const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"table", "column", "up"},
                                                   {"table", "column"}));
  OpAddColumn op;
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_RETURN_IF_ERROR(m.GetObject("column", ParseColumn, &op.column));
  ZS_RETURN_IF_ERROR(m.Get("up", &op.up));
  return op;
}

Result<OpDropColumn> ParseDropColumn(const Source& src, const YAML::Node& node,
                                     const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"table", "column", "down"},
                                                   {"table", "column"}));
  OpDropColumn op;
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_RETURN_IF_ERROR(m.Get("column", &op.column));
  ZS_RETURN_IF_ERROR(m.Get("down", &op.down));
  return op;
}

Result<OpRenameColumn> ParseRenameColumn(const Source& src, const YAML::Node& node,
                                         const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"table", "from", "to"},
                                                   {"table", "from", "to"}));
  OpRenameColumn op;
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_RETURN_IF_ERROR(m.Get("from", &op.from));
  ZS_RETURN_IF_ERROR(m.Get("to", &op.to));
  return op;
}

Result<OpAlterColumn> ParseAlterColumn(const Source& src, const YAML::Node& node,
                                       const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m,
                      StrictMap::Open(src, node, what,
                                      {"table", "column", "type", "nullable", "default", "comment",
                                       "check", "unique", "references", "up", "down"},
                                      {"table", "column"}));
  OpAlterColumn op;
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_RETURN_IF_ERROR(m.Get("column", &op.column));
  ZS_RETURN_IF_ERROR(m.Get("type", &op.type));
  ZS_RETURN_IF_ERROR(m.Get("nullable", &op.nullable));
  ZS_RETURN_IF_ERROR(m.Get("default", &op.default_value));
  ZS_RETURN_IF_ERROR(m.Get("comment", &op.comment));
  ZS_RETURN_IF_ERROR(m.GetObject("check", ParseCheck, &op.check));
  ZS_RETURN_IF_ERROR(m.GetObject("unique", ParseUnique, &op.unique));
  ZS_RETURN_IF_ERROR(m.GetObject("references", ParseForeignKey, &op.references));
  ZS_RETURN_IF_ERROR(m.Get("up", &op.up));
  ZS_RETURN_IF_ERROR(m.Get("down", &op.down));
  return op;
}

Result<OpDropTable> ParseDropTable(const Source& src, const YAML::Node& node,
                                   const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"name"}, {"name"}));
  OpDropTable op;
  ZS_RETURN_IF_ERROR(m.Get("name", &op.name));
  return op;
}

Result<OpRenameTable> ParseRenameTable(const Source& src, const YAML::Node& node,
                                       const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m,
                      StrictMap::Open(src, node, what, {"from", "to"}, {"from", "to"}));
  OpRenameTable op;
  ZS_RETURN_IF_ERROR(m.Get("from", &op.from));
  ZS_RETURN_IF_ERROR(m.Get("to", &op.to));
  return op;
}

// The schema's oneOf: a statement that runs on complete has nothing to undo.
Result<OpRawSql> ParseRawSql(const Source& src, const YAML::Node& node, const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m,
                      StrictMap::Open(src, node, what, {"up", "down", "onComplete"}, {"up"}));
  OpRawSql op;
  ZS_RETURN_IF_ERROR(m.Get("up", &op.up));
  ZS_RETURN_IF_ERROR(m.Get("down", &op.down));
  ZS_RETURN_IF_ERROR(m.Get("onComplete", &op.on_complete));
  if (m.Find("down") && m.Find("onComplete")) {
    return ErrorAt(src, *m.Find("onComplete"),
                   fmt::format("{} cannot have both \"down\" and \"onComplete\"", what));
  }
  return op;
}

Result<OpCreateIndex> ParseCreateIndex(const Source& src, const YAML::Node& node,
                                       const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what,
                                                   {"name", "table", "columns", "predicate",
                                                    "method", "storage_parameters", "unique"},
                                                   {"name", "table", "columns"}));
  OpCreateIndex op;
  ZS_RETURN_IF_ERROR(m.Get("name", &op.name));
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_RETURN_IF_ERROR(m.GetList("columns", ParseIndexField, &op.columns));
  ZS_RETURN_IF_ERROR(m.Get("predicate", &op.predicate));
  ZS_RETURN_IF_ERROR(m.GetEnum("method", kIndexMethods, &op.method));
  ZS_RETURN_IF_ERROR(m.Get("storage_parameters", &op.storage_parameters));
  ZS_RETURN_IF_ERROR(m.Get("unique", &op.unique));
  return op;
}

Result<OpDropIndex> ParseDropIndex(const Source& src, const YAML::Node& node,
                                   const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"name"}, {"name"}));
  OpDropIndex op;
  ZS_RETURN_IF_ERROR(m.Get("name", &op.name));
  return op;
}

Result<OpDropConstraint> ParseDropConstraint(const Source& src, const YAML::Node& node,
                                             const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"table", "name", "up", "down"},
                                                   {"table", "name"}));
  OpDropConstraint op;
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_RETURN_IF_ERROR(m.Get("name", &op.name));
  ZS_RETURN_IF_ERROR(m.Get("up", &op.up));
  ZS_RETURN_IF_ERROR(m.Get("down", &op.down));
  return op;
}

Result<OpDropMultiColumnConstraint> ParseDropMultiColumnConstraint(const Source& src,
                                                                   const YAML::Node& node,
                                                                   const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"table", "name", "up", "down"},
                                                   {"table", "name"}));
  OpDropMultiColumnConstraint op;
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_RETURN_IF_ERROR(m.Get("name", &op.name));
  ZS_RETURN_IF_ERROR(m.Get("up", &op.up));
  ZS_RETURN_IF_ERROR(m.Get("down", &op.down));
  return op;
}

Result<OpRenameConstraint> ParseRenameConstraint(const Source& src, const YAML::Node& node,
                                                 const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m, StrictMap::Open(src, node, what, {"table", "from", "to"},
                                                   {"table", "from", "to"}));
  OpRenameConstraint op;
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_RETURN_IF_ERROR(m.Get("from", &op.from));
  ZS_RETURN_IF_ERROR(m.Get("to", &op.to));
  return op;
}

Result<OpSetReplicaIdentity> ParseSetReplicaIdentity(const Source& src, const YAML::Node& node,
                                                     const std::string& what) {
  ZS_ASSIGN_OR_RETURN(
      StrictMap m, StrictMap::Open(src, node, what, {"table", "identity"}, {"table", "identity"}));
  OpSetReplicaIdentity op;
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_ASSIGN_OR_RETURN(StrictMap identity,
                      StrictMap::Open(src, *m.Find("identity"), what + ".identity",
                                      {"type", "index"}, {"type", "index"}));
  ZS_RETURN_IF_ERROR(identity.Get("type", &op.identity_type));
  ZS_RETURN_IF_ERROR(identity.Get("index", &op.index));
  return op;
}

Result<OpCreateConstraint> ParseCreateConstraint(const Source& src, const YAML::Node& node,
                                                 const std::string& what) {
  ZS_ASSIGN_OR_RETURN(StrictMap m,
                      StrictMap::Open(src, node, what,
                                      {"table", "name", "type", "columns", "check", "no_inherit",
                                       "index_parameters", "references", "up", "down"},
                                      {"table", "name", "type"}));
  OpCreateConstraint op;
  ZS_RETURN_IF_ERROR(m.Get("table", &op.table));
  ZS_RETURN_IF_ERROR(m.Get("name", &op.name));
  ZS_RETURN_IF_ERROR(m.GetEnum("type", kCreateConstraintTypes, &op.type));
  ZS_RETURN_IF_ERROR(m.Get("columns", &op.columns));
  ZS_RETURN_IF_ERROR(m.Get("check", &op.check));
  ZS_RETURN_IF_ERROR(m.Get("no_inherit", &op.no_inherit));
  ZS_RETURN_IF_ERROR(m.GetObject("index_parameters", ParseIndexParameters, &op.index_parameters));
  ZS_RETURN_IF_ERROR(m.GetObject("references", ParseTableForeignKey, &op.references));
  ZS_RETURN_IF_ERROR(m.Get("up", &op.up));
  ZS_RETURN_IF_ERROR(m.Get("down", &op.down));
  ZS_RETURN_IF_ERROR(
      CheckKeysApply(src, m, op.type, kCreateConstraintCommonKeys, kCreateConstraintKeys));
  return op;
}

// ---- Operation dispatch.

using BodyParser = Result<OperationBody> (*)(const Source&, const YAML::Node&, const std::string&);

template <typename T, Result<T> (*Parse)(const Source&, const YAML::Node&, const std::string&)>
Result<OperationBody> ParseBody(const Source& src, const YAML::Node& node,
                                const std::string& what) {
  ZS_ASSIGN_OR_RETURN(T op, Parse(src, node, what));
  return OperationBody(std::move(op));
}

struct OperationKind {
  std::string_view name;
  BodyParser parse;
};

// REQUIRES: in the order of OperationBody's alternatives, so that
// kOperationKinds[body.index()] names a body (ToJson relies on it).
constexpr OperationKind kOperationKinds[] = {
    {"create_table", ParseBody<OpCreateTable, ParseCreateTable>},
    {"add_column", ParseBody<OpAddColumn, ParseAddColumn>},
    {"drop_column", ParseBody<OpDropColumn, ParseDropColumn>},
    {"rename_column", ParseBody<OpRenameColumn, ParseRenameColumn>},
    {"alter_column", ParseBody<OpAlterColumn, ParseAlterColumn>},
    {"drop_table", ParseBody<OpDropTable, ParseDropTable>},
    {"rename_table", ParseBody<OpRenameTable, ParseRenameTable>},
    {"sql", ParseBody<OpRawSql, ParseRawSql>},
    {"create_index", ParseBody<OpCreateIndex, ParseCreateIndex>},
    {"drop_index", ParseBody<OpDropIndex, ParseDropIndex>},
    {"drop_constraint", ParseBody<OpDropConstraint, ParseDropConstraint>},
    {"drop_multicolumn_constraint",
     ParseBody<OpDropMultiColumnConstraint, ParseDropMultiColumnConstraint>},
    {"rename_constraint", ParseBody<OpRenameConstraint, ParseRenameConstraint>},
    {"set_replica_identity", ParseBody<OpSetReplicaIdentity, ParseSetReplicaIdentity>},
    {"create_constraint", ParseBody<OpCreateConstraint, ParseCreateConstraint>},
};
static_assert(std::size(kOperationKinds) == std::variant_size_v<OperationBody>);

constexpr auto kOperationKindNames = [] {
  std::array<std::string_view, std::size(kOperationKinds)> names{};
  for (size_t i = 0; i < names.size(); ++i) names[i] = kOperationKinds[i].name;
  return names;
}();

Result<Operation> ParseOperation(const Source& src, const YAML::Node& node,
                                 const std::string& what) {
  if (!node.IsMap() || node.size() != 1) {
    std::string got =
        node.IsMap() ? fmt::format("{} keys", node.size()) : std::string(TypeName(node));
    return ErrorAt(src, node,
                   fmt::format("{} must be a mapping with exactly one key, the operation kind "
                               "(one of: {}), got {}; expected the form `{}`",
                               what, Join(kOperationKindNames), got, ExampleMapping(what)));
  }
  const auto entry = *node.begin();
  const YAML::Node& key = entry.first;
  static const std::string kNoKind;
  // A reference: an alias of a huge scalar must not be copied once per operation.
  const std::string& kind = key.IsScalar() ? key.Scalar() : kNoKind;
  for (const OperationKind& candidate : kOperationKinds) {
    if (candidate.name != kind) continue;
    Operation op;
    op.kind = kind;
    op.location = LocationOf(src, key);
    ZS_ASSIGN_OR_RETURN(op.body, candidate.parse(src, entry.second, kind));
    return op;
  }
  return ErrorAt(src, key,
                 fmt::format("unknown operation \"{}\" (expected one of: {}){}", kind,
                             Join(kOperationKindNames), Suggestion(kind, kOperationKindNames)));
}

// The length of the UTF-8 sequence that starts `text` at `pos` and encodes a
// printable, non-format code point above U+009F; 0 when it does not.
size_t PrintableUtf8Length(std::string_view text, size_t pos) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(pos);
  size_t length = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
  if (length == 0 || lead > 0xF4 || pos + length > text.size()) return 0;
  uint32_t code = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(pos + i) & 0x3F);
  }
  bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  // C1 controls, no-break/zero-width spaces, line/paragraph separators, bidi
  // controls: they hide or reorder what a terminal shows.
  bool invisible = code < 0xA0 || code == 0xAD || (code >= 0x2000 && code <= 0x200F) ||
                   (code >= 0x2028 && code <= 0x202F) || (code >= 0x2060 && code <= 0x206F) ||
                   code == 0xFEFF || code > 0x10FFFF;
  return overlong || surrogate || invisible ? 0 : length;
}

// "migrations/02_split_name.yaml" -> "02_split_name".
std::string NameFromFile(const std::string& file_name) {
  std::filesystem::path path(file_name);
  std::string ext = path.extension().string();
  if (ext == ".yaml" || ext == ".yml" || ext == ".json") return path.stem().string();
  return path.filename().string();
}

Result<Migration> ParseDocument(const Source& src, const YAML::Node& doc) {
  ZS_ASSIGN_OR_RETURN(
      StrictMap m, StrictMap::Open(src, doc, "migration", {"name", "version_schema", "operations"},
                                   {"operations"}));
  Migration migration;
  migration.source_file = src.file;
  migration.name = NameFromFile(src.file);
  ZS_RETURN_IF_ERROR(m.Get("name", &migration.name));
  if (migration.name.empty()) {
    return InvalidInput(src.file + ": the migration has an empty name");
  }
  if (src.check_names) {
    ZS_RETURN_IF_ERROR(ValidateMigrationName(
        migration.name, fmt::format("{}: migration name{}", src.file,
                                    m.Find("name") ? "" : " (from the file name)")));
  }
  ZS_RETURN_IF_ERROR(m.Get("version_schema", &migration.version_schema));
  if (src.check_names && !migration.version_schema.empty()) {
    ZS_RETURN_IF_ERROR(
        ValidateMigrationName(migration.version_schema, src.file + ": version_schema"));
  }
  if (const YAML::Node* operations = m.Find("operations")) {
    UpgradeOlderForms(src.file, *operations, src.older_forms);
  }
  ZS_RETURN_IF_ERROR(m.GetList("operations", ParseOperation, &migration.operations));
  migration.raw_json = ToJson(migration);
  return migration;
}

// Where the latest two documents of a YAML stream started; the rest of the
// events is not needed.
class DocumentStarts : public YAML::EventHandler {
 public:
  YAML::Mark previous = YAML::Mark::null_mark();
  YAML::Mark last = YAML::Mark::null_mark();
  void OnDocumentStart(const YAML::Mark& mark) override {
    previous = last;
    last = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// yaml-cpp 0.7 (Debian 12's) reports a token that cannot start a node, such
// as a "," where a document begins, as an empty document without consuming
// it, so YAML::LoadAll collects empty documents until memory runs out: a
// one-byte file took 4 GB (jbeder/yaml-cpp#1040, fixed upstream after 0.8.0).
// A document that starts where the previous one did is that case; otherwise
// every document moves the parser on.
Status CheckDocumentsAdvance(const Source& src, const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  while (parser.HandleNextDocument(starts)) {
    if (starts.previous.is_null() || starts.previous.pos != starts.last.pos) continue;
    const YAML::Mark& mark = starts.last;
    size_t pos = static_cast<size_t>(mark.pos);
    bool printable = pos < text.size() && text[pos] > ' ' && text[pos] < 0x7f;
    return InvalidInput(fmt::format("{}:{}:{}: invalid YAML: unexpected {} where a value starts",
                                    src.file, mark.line + 1, mark.column + 1,
                                    printable ? fmt::format("\"{}\"", text[pos]) : "text"));
  }
  return Status::Ok();
}

Result<Migration> ParseText(const Source& src, const std::string& text) {
  ZS_RETURN_IF_ERROR(CheckDocumentsAdvance(src, text));
  std::vector<YAML::Node> docs = YAML::LoadAll(text);
  if (docs.empty() || docs[0].IsNull()) {
    return InvalidInput(src.file +
                        ": empty migration file (expected a mapping with \"operations\")");
  }
  if (docs.size() > 1) {
    return ErrorAt(src, docs[1], "a migration file must hold a single YAML document");
  }
  return ParseDocument(src, docs[0]);
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
Json ToJsonValue(const UniqueConstraint& unique);
Json ToJsonValue(const IndexOpclass& opclass);
Json ToJsonValue(const IndexField& field);
Json ToJsonValue(const Operation& op);

void PutIf(Json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}
void PutIf(Json& j, const char* key, bool value) {
  if (value) j[key] = true;
}
void PutIf(Json& j, const char* key, const std::vector<std::string>& value) {
  if (!value.empty()) j[key] = value;
}
void PutIf(Json& j, const char* key, const std::map<std::string, std::string>& value) {
  if (!value.empty()) j[key] = value;
}
void PutIf(Json& j, const char* key, const std::optional<std::string>& value) {
  if (value) j[key] = *value;
}
void PutIf(Json& j, const char* key, const std::optional<bool>& value) {
  if (value) j[key] = *value;
}
void PutIfNot(Json& j, const char* key, const std::string& value, std::string_view fallback) {
  if (value != fallback) j[key] = value;
}
template <typename T>
void PutIf(Json& j, const char* key, const std::optional<T>& value) {
  if (value) j[key] = ToJsonValue(*value);
}
template <typename T>
Json ListToJson(const std::vector<T>& items) {
  Json list = Json::array();
  for (const T& item : items) list.push_back(ToJsonValue(item));
  return list;
}

Json ToJsonValue(const CheckConstraint& check) {
  Json j = {{"name", check.name}, {"constraint", check.constraint}};
  PutIf(j, "no_inherit", check.no_inherit);
  return j;
}

Json ToJsonValue(const ForeignKeyReference& ref) {
  Json j = {{"name", ref.name}, {"table", ref.table}, {"column", ref.column}};
  PutIfNot(j, "match_type", ref.match_type, "SIMPLE");
  PutIfNot(j, "on_delete", ref.on_delete, "NO ACTION");
  PutIfNot(j, "on_update", ref.on_update, "NO ACTION");
  PutIf(j, "deferrable", ref.deferrable);
  PutIf(j, "initially_deferred", ref.initially_deferred);
  return j;
}

Json ToJsonValue(const IdentityOptions& identity) {
  Json j = Json::object();
  PutIf(j, "sequence_options", identity.sequence_options);
  PutIfNot(j, "user_specified_values", identity.user_specified_values, "ALWAYS");
  return j;
}

Json ToJsonValue(const GeneratedColumn& generated) {
  Json j = Json::object();
  PutIf(j, "expression", generated.expression);
  PutIf(j, "identity", generated.identity);
  return j;
}

Json ToJsonValue(const Column& column) {
  Json j = {{"name", column.name}, {"type", column.type}};
  PutIf(j, "nullable", column.nullable);
  PutIf(j, "pk", column.pk);
  PutIf(j, "unique", column.unique);
  PutIf(j, "default", column.default_value);
  PutIf(j, "check", column.check);
  PutIf(j, "references", column.references);
  PutIf(j, "comment", column.comment);
  PutIf(j, "generated", column.generated);
  return j;
}

Json ToJsonValue(const TableForeignKeyReference& ref) {
  Json j = {{"table", ref.table}, {"columns", ref.columns}};
  PutIfNot(j, "match_type", ref.match_type, "SIMPLE");
  PutIfNot(j, "on_update", ref.on_update, "NO ACTION");
  PutIfNot(j, "on_delete", ref.on_delete, "NO ACTION");
  PutIf(j, "on_delete_set_columns", ref.on_delete_set_columns);
  return j;
}

Json ToJsonValue(const IndexParameters& params) {
  Json j = Json::object();
  PutIf(j, "tablespace", params.tablespace);
  PutIf(j, "storage_parameters", params.storage_parameters);
  PutIf(j, "include_columns", params.include_columns);
  return j;
}

Json ToJsonValue(const ExcludeConstraint& exclude) {
  Json j = Json::object();
  PutIf(j, "index_method", exclude.index_method);
  PutIf(j, "elements", exclude.elements);
  PutIf(j, "predicate", exclude.predicate);
  return j;
}

Json ToJsonValue(const Constraint& c) {
  Json j = {{"name", c.name}, {"type", c.type}};
  PutIf(j, "columns", c.columns);
  PutIf(j, "deferrable", c.deferrable);
  PutIf(j, "initially_deferred", c.initially_deferred);
  PutIf(j, "nulls_not_distinct", c.nulls_not_distinct);
  PutIf(j, "no_inherit", c.no_inherit);
  PutIf(j, "check", c.check);
  PutIf(j, "references", c.references);
  PutIf(j, "exclude", c.exclude);
  PutIf(j, "index_parameters", c.index_parameters);
  return j;
}

Json ToJsonValue(const UniqueConstraint& unique) { return {{"name", unique.name}}; }

Json ToJsonValue(const IndexOpclass& opclass) {
  Json j = Json::object();
  PutIf(j, "name", opclass.name);
  PutIf(j, "params", opclass.params);
  return j;
}

Json ToJsonValue(const IndexField& field) {
  Json j = {{"column", field.column}};
  PutIf(j, "collate", field.collate);
  PutIf(j, "sort", field.sort);
  PutIf(j, "nulls", field.nulls);
  PutIf(j, "opclass", field.opclass);
  return j;
}

Json ToJsonValue(const OpCreateTable& op) {
  Json j = {{"name", op.name}, {"columns", ListToJson(op.columns)}};
  PutIf(j, "comment", op.comment);
  if (!op.constraints.empty()) j["constraints"] = ListToJson(op.constraints);
  return j;
}

Json ToJsonValue(const OpAddColumn& op) {
  Json j = {{"table", op.table}, {"column", ToJsonValue(op.column)}};
  PutIf(j, "up", op.up);
  return j;
}

Json ToJsonValue(const OpDropColumn& op) {
  Json j = {{"table", op.table}, {"column", op.column}};
  PutIf(j, "down", op.down);
  return j;
}

Json ToJsonValue(const OpRenameColumn& op) {
  return {{"table", op.table}, {"from", op.from}, {"to", op.to}};
}

Json NullableToJson(const NullableString& value) {
  return value.is_null ? Json(nullptr) : Json(value.value);
}

Json ToJsonValue(const OpAlterColumn& op) {
  Json j = {{"table", op.table}, {"column", op.column}};
  PutIf(j, "type", op.type);
  PutIf(j, "nullable", op.nullable);
  if (op.default_value) j["default"] = NullableToJson(*op.default_value);
  if (op.comment) j["comment"] = NullableToJson(*op.comment);
  PutIf(j, "check", op.check);
  PutIf(j, "unique", op.unique);
  PutIf(j, "references", op.references);
  PutIf(j, "up", op.up);
  PutIf(j, "down", op.down);
  return j;
}

Json ToJsonValue(const OpDropTable& op) { return {{"name", op.name}}; }

Json ToJsonValue(const OpRenameTable& op) { return {{"from", op.from}, {"to", op.to}}; }

Json ToJsonValue(const OpRawSql& op) {
  Json j = {{"up", op.up}};
  PutIf(j, "down", op.down);
  PutIf(j, "onComplete", op.on_complete);
  return j;
}

Json ToJsonValue(const OpCreateIndex& op) {
  Json j = {{"name", op.name}, {"table", op.table}, {"columns", ListToJson(op.columns)}};
  PutIf(j, "predicate", op.predicate);
  PutIfNot(j, "method", op.method, "btree");
  PutIf(j, "storage_parameters", op.storage_parameters);
  PutIf(j, "unique", op.unique);
  return j;
}

Json ToJsonValue(const OpDropIndex& op) { return {{"name", op.name}}; }

Json ToJsonValue(const OpDropConstraint& op) {
  Json j = {{"table", op.table}, {"name", op.name}};
  PutIf(j, "up", op.up);
  PutIf(j, "down", op.down);
  return j;
}

Json ToJsonValue(const OpDropMultiColumnConstraint& op) {
  Json j = {{"table", op.table}, {"name", op.name}};
  PutIf(j, "up", op.up);
  PutIf(j, "down", op.down);
  return j;
}

Json ToJsonValue(const OpRenameConstraint& op) {
  return {{"table", op.table}, {"from", op.from}, {"to", op.to}};
}

Json ToJsonValue(const OpSetReplicaIdentity& op) {
  return {{"table", op.table}, {"identity", {{"type", op.identity_type}, {"index", op.index}}}};
}

Json ToJsonValue(const OpCreateConstraint& op) {
  Json j = {{"table", op.table}, {"name", op.name}, {"type", op.type}};
  PutIf(j, "columns", op.columns);
  PutIf(j, "check", op.check);
  PutIf(j, "no_inherit", op.no_inherit);
  PutIf(j, "index_parameters", op.index_parameters);
  PutIf(j, "references", op.references);
  PutIf(j, "up", op.up);
  PutIf(j, "down", op.down);
  return j;
}

Json ToJsonValue(const Operation& op) {
  Json body = std::visit([](const auto& b) { return ToJsonValue(b); }, op.body);
  Json j = Json::object();
  j[std::string(kOperationKinds[op.body.index()].name)] = std::move(body);
  return j;
}

}  // namespace

namespace {

// `name` in double quotes with every byte outside printable ASCII as \xNN, so
// that a message about a hostile name cannot break a line or a terminal.
std::string Escaped(const std::string& name) {
  std::string out = "\"";
  for (unsigned char c : name) {
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out + "\"";
}

}  // namespace

Status ValidateMigrationName(const std::string& name, const std::string& what) {
  constexpr size_t kMaxNameBytes = 63;
  auto refuse = [&](const std::string& why) {
    return InvalidInput(fmt::format(
        "{} {} {}; a migration name is 1 to 63 bytes of letters, digits, `_`, `-` and `.` "
        "(not first, and no `..`): rename it",
        what, Escaped(name), why));
  };
  if (name.empty()) return refuse("is empty");
  if (name.size() > kMaxNameBytes) {
    return refuse(fmt::format("is {} bytes long", name.size()));
  }
  if (name.front() == '.' || name.front() == '-') return refuse("starts with `.` or `-`");
  if (name.find("..") != std::string::npos) return refuse("contains `..`");
  for (size_t i = 0; i < name.size();) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c < 0x80) {
      if (!std::isalnum(c) && c != '_' && c != '-' && c != '.') {
        return refuse(c < 0x20 || c == 0x7F
                          ? fmt::format("contains the control character 0x{:02x}", c)
                          : fmt::format("contains `{}`", static_cast<char>(c)));
      }
      ++i;
      continue;
    }
    size_t length = PrintableUtf8Length(name, i);
    if (length == 0) {
      return refuse(
          fmt::format("contains byte 0x{:02x}, which is not a printable UTF-8 letter", c));
    }
    i += length;
  }
  return Status::Ok();
}

namespace {

Result<Migration> ParseChecked(const std::string& text, const std::string& file_name,
                               bool check_names, std::vector<OlderForm>* older_forms) {
  std::vector<OlderForm> ignored;
  // Without aliases every scalar is read about once and is no longer than its
  // text; twice the file plus 1 MiB leaves room for keys read again.
  Source src{.file = file_name,
             .element_budget = text.size() + 10000,
             .scalar_byte_budget = 2 * text.size() + (1 << 20),
             .check_names = check_names,
             .older_forms = older_forms ? older_forms : &ignored};
  try {
    return ParseText(src, text);
  } catch (const YAML::DeepRecursion& e) {
    return InvalidInput(fmt::format(
        "{}:{}:{}: invalid YAML: nested more than {} levels deep; a migration needs a handful",
        file_name, e.mark.line + 1, e.mark.column + 1, e.depth()));
  } catch (const YAML::Exception& e) {
    SourceLocation loc{file_name, 0, 0};
    if (e.mark.line >= 0) loc = {file_name, e.mark.line + 1, e.mark.column + 1};
    return InvalidInput(fmt::format("{}: invalid YAML: {}", loc.ToString(), e.msg));
  } catch (const std::exception& e) {
    return Internal(fmt::format("{}: reading the migration failed: {}", file_name, e.what()));
  }
}

}  // namespace

Result<Migration> ParseMigration(const std::string& text, const std::string& file_name) {
  return ParseChecked(text, file_name, /*check_names=*/true, nullptr);
}

Result<Migration> ParseMigration(const std::string& text, const std::string& file_name,
                                 std::vector<OlderForm>* older_forms) {
  return ParseChecked(text, file_name, /*check_names=*/true, older_forms);
}

Result<Migration> ParseStoredMigration(const std::string& text, const std::string& file_name) {
  return ParseChecked(text, file_name, /*check_names=*/false, nullptr);
}

namespace {

struct WarningState {
  std::mutex mutex;
  WarningSink sink = [](const std::string& message) {
    std::cerr << "zeroshift: warning: " << message << "\n";
  };
  std::set<std::string> warned_files;
};

WarningState& Warnings() {
  static WarningState state;
  return state;
}

// Says once per file and process that `path` uses older forms.
void WarnOlderForms(const std::string& path, const std::vector<OlderForm>& older_forms) {
  if (older_forms.empty()) return;
  WarningState& state = Warnings();
  std::lock_guard<std::mutex> lock(state.mutex);
  if (!state.warned_files.insert(path).second) return;
  if (state.sink) state.sink(OlderFormWarning(older_forms));
}

}  // namespace

WarningSink SetWarningSink(WarningSink sink) {
  WarningState& state = Warnings();
  std::lock_guard<std::mutex> lock(state.mutex);
  std::swap(state.sink, sink);
  state.warned_files.clear();
  return sink;
}

std::string OlderFormWarning(const std::vector<OlderForm>& older_forms) {
  if (older_forms.empty()) return "";
  const OlderForm& first = older_forms.front();
  std::string more = older_forms.size() > 1
                         ? fmt::format(" (and {} more older forms)", older_forms.size() - 1)
                         : "";
  std::filesystem::path dir = std::filesystem::path(first.location.file).parent_path();
  return fmt::format(
      "{}: the file uses an older form of the migration format: {}{}; it is read as the "
      "current form; `zeroshift update {}` rewrites it in the current form",
      first.location.ToString(), first.description, more, dir.empty() ? "." : dir.string());
}

Result<Migration> LoadMigrationFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return IoError(fmt::format("cannot read migration file {}: {}", path,
                               ec ? ec.message() : "not a regular file"));
  }
  std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return IoError(fmt::format("cannot read migration file {}: {}", path, ec.message()));
  if (size > kMaxFileBytes) {
    return InvalidInput(fmt::format(
        "migration file {} is {} bytes, more than the 10 MiB limit for a migration file", path,
        size));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || in.bad()) return IoError(fmt::format("cannot read migration file {}", path));
  std::vector<OlderForm> older_forms;
  Result<Migration> migration = ParseMigration(text.str(), path, &older_forms);
  if (migration.ok()) WarnOlderForms(path, older_forms);
  return migration;
}

std::string ToJson(const Migration& migration) {
  Json j = Json::object();
  j["name"] = migration.name;
  PutIf(j, "version_schema", migration.version_schema);
  j["operations"] = ListToJson(migration.operations);
  // Compact, as it is stored in the state table; replace: a non-UTF-8 byte
  // must not make serialisation throw.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace zs::migration
