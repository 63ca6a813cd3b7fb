#include "migration/expected_form.h"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace zs::migration {
namespace {

using Example = std::pair<std::string_view, std::string_view>;

// Path suffixes (indices written "[]") and the mapping expected there.
constexpr std::array<Example, 35> kMappings = {{
    {"migration",
     "{operations: [{create_table: {name: users, columns: [{name: id, type: serial, pk: "
     "true}]}}]}"},
    {"operations[]",
     "{add_column: {table: users, column: {name: email, type: text, nullable: "
     "true}}}"},
    {"create_table",
     "{name: users, columns: [{name: id, type: serial, pk: true}, {name: email, type: text}]}"},
    {"add_column",
     "{table: users, column: {name: email, type: text, nullable: true}, up: \"lower(name)\"}"},
    {"drop_column", "{table: users, column: email, down: \"''\"}"},
    {"rename_column", "{table: users, from: name, to: full_name}"},
    {"alter_column",
     "{table: users, column: email, nullable: false, up: \"coalesce(email, '')\", down: email}"},
    {"drop_table", "{name: users}"},
    {"rename_table", "{from: users, to: customers}"},
    {"sql", "{up: \"CREATE TABLE audit (id int)\", down: \"DROP TABLE audit\"}"},
    {"create_index", "{name: idx_users_email, table: users, columns: [{column: email}]}"},
    {"drop_index", "{name: idx_users_email}"},
    {"drop_constraint", "{table: users, name: users_email_check, up: email, down: email}"},
    {"drop_multicolumn_constraint",
     "{table: users, name: users_name_check, up: {first: first}, down: {first: first}}"},
    {"rename_constraint", "{table: users, from: users_check, to: users_email_check}"},
    {"set_replica_identity", "{table: users, identity: {type: full, index: ''}}"},
    {"set_replica_identity.identity", "{type: index, index: users_pkey}"},
    {"create_constraint",
     "{table: users, name: users_email_key, type: unique, columns: [email], up: {email: "
     "email}, down: {email: email}}"},
    {"columns[]", "{name: email, type: text, nullable: true}"},
    {"add_column.column", "{name: email, type: text, nullable: true}"},
    {"create_index.columns[]", "{column: email, sort: DESC}"},
    {"constraints[]", "{name: users_email_key, type: unique, columns: [email]}"},
    {"constraints[].references", "{table: users, columns: [id], on_delete: CASCADE}"},
    {"create_constraint.references", "{table: users, columns: [id], on_delete: CASCADE}"},
    {"references", "{name: fk_orders_user, table: users, column: id, on_delete: CASCADE}"},
    {"check", "{name: email_not_empty, constraint: \"email <> ''\"}"},
    {"generated", "{expression: \"price * quantity\"}"},
    {"identity", "{user_specified_values: BY DEFAULT}"},
    {"index_parameters", "{tablespace: fast_ssd, include_columns: [name]}"},
    {"exclude", "{index_method: gist, elements: \"room WITH =, during WITH &&\"}"},
    {"opclass", "{name: text_pattern_ops}"},
    {"alter_column.unique", "{name: users_email_key}"},
    {"up", "{email: lower(email)}"},
    {"down", "{email: email}"},
    {"constraints[].exclude", "{index_method: gist, elements: \"room WITH =, during WITH &&\"}"},
}};

// Scalar keys and a plausible value.
constexpr std::array<Example, 22> kScalars = {{
    {"name", "users"},
    {"table", "users"},
    {"column", "email"},
    {"type", "text"},
    {"from", "old_name"},
    {"to", "new_name"},
    {"up", "\"lower(email)\""},
    {"down", "\"email\""},
    {"default", "\"now()\""},
    {"comment", "\"who signed up\""},
    {"check", "\"length(name) > 0\""},
    {"constraint", "\"length(name) > 0\""},
    {"predicate", "\"deleted_at IS NULL\""},
    {"expression", "\"price * quantity\""},
    {"method", "btree"},
    {"sort", "DESC"},
    {"nulls", "LAST"},
    {"collate", "\"C\""},
    {"index", "users_pkey"},
    {"version_schema", "v2_users"},
    {"elements", "\"room WITH =\""},
    {"storage_parameters", "\"fillfactor=70\""},
}};

// "a.b[3].c" -> "a.b[].c": examples do not depend on the position.
std::string WithoutIndices(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    out += path[i];
    if (path[i] != '[') continue;
    while (i + 1 < path.size() && path[i + 1] != ']') ++i;
  }
  return out;
}

// True when `pattern` ends `path` at a component boundary.
bool IsSuffix(std::string_view path, std::string_view pattern) {
  if (!path.ends_with(pattern)) return false;
  size_t start = path.size() - pattern.size();
  return start == 0 || path[start - 1] == '.';
}

std::string_view LastKey(std::string_view path) {
  size_t dot = path.rfind('.');
  std::string_view key = dot == std::string_view::npos ? path : path.substr(dot + 1);
  return key.substr(0, key.find('['));
}

}  // namespace

std::string ExampleMapping(std::string_view path) {
  std::string plain = WithoutIndices(path);
  std::string_view best;
  std::string_view example = "{key: value}";
  for (const auto& [pattern, form] : kMappings) {
    if (pattern.size() > best.size() && IsSuffix(plain, pattern)) {
      best = pattern;
      example = form;
    }
  }
  return std::string(example);
}

std::string ExampleScalar(std::string_view path, bool boolean) {
  std::string_view key = LastKey(path);
  if (boolean) return fmt::format("{}: true", key);
  for (const auto& [name, value] : kScalars) {
    if (name == key) return fmt::format("{}: {}", key, value);
  }
  return fmt::format("{}: some text", key);
}

std::string ExampleSequence(std::string_view path) {
  std::string_view key = LastKey(path);
  std::string plain = WithoutIndices(path);
  // Lists of mappings: operations, create_table's columns and constraints,
  // create_index's columns. Every other list holds names.
  bool of_mappings = key == "operations" || key == "constraints" ||
                     plain.ends_with("create_table.columns") ||
                     plain.ends_with("create_index.columns");
  if (!of_mappings) return fmt::format("{}: [email, name]", key);
  return fmt::format("{}: [{}]", key, ExampleMapping(plain + "[]"));
}

}  // namespace zs::migration
