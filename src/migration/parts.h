// The parts of the migration format that several operations share: columns,
// constraints, foreign keys, index parameters, and where an element came from.
// Each operation's own fields are in its home, src/ops/<name>/format.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace zs::migration {

// Where an element came from, for error messages: "file.yaml:12:5".
struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
  std::string ToString() const;

  bool operator==(const SourceLocation&) const = default;
};

struct CheckConstraint {
  std::string name;
  std::string constraint;
  bool no_inherit = false;

  bool operator==(const CheckConstraint&) const = default;
};

struct ForeignKeyReference {
  std::string name;
  std::string table;
  std::string column;
  std::string match_type = "SIMPLE";    // SIMPLE | FULL | PARTIAL
  std::string on_delete = "NO ACTION";  // NO ACTION | RESTRICT | CASCADE | SET NULL | SET DEFAULT
  std::string on_update = "NO ACTION";
  bool deferrable = false;
  bool initially_deferred = false;

  bool operator==(const ForeignKeyReference&) const = default;
};

struct IdentityOptions {
  std::string sequence_options;
  std::string user_specified_values = "ALWAYS";  // ALWAYS | BY DEFAULT

  bool operator==(const IdentityOptions&) const = default;
};

struct GeneratedColumn {
  std::string expression;
  std::optional<IdentityOptions> identity;

  bool operator==(const GeneratedColumn&) const = default;
};

struct Column {
  std::string name;
  std::string type;
  bool nullable = false;  // pgroll's default
  bool pk = false;
  bool unique = false;
  std::optional<std::string> default_value;
  std::optional<CheckConstraint> check;
  std::optional<ForeignKeyReference> references;
  std::optional<std::string> comment;
  std::optional<GeneratedColumn> generated;
  SourceLocation location;

  bool operator==(const Column&) const = default;
};

struct TableForeignKeyReference {
  std::string table;
  std::vector<std::string> columns;
  std::string match_type = "SIMPLE";
  std::string on_delete = "NO ACTION";
  std::string on_update = "NO ACTION";
  std::vector<std::string> on_delete_set_columns;

  bool operator==(const TableForeignKeyReference&) const = default;
};

struct IndexParameters {
  std::string tablespace;
  std::string storage_parameters;
  std::vector<std::string> include_columns;

  bool operator==(const IndexParameters&) const = default;
};

struct ExcludeConstraint {
  std::string index_method;
  std::string elements;
  std::string predicate;

  bool operator==(const ExcludeConstraint&) const = default;
};

// A table-level constraint of create_table.
struct Constraint {
  std::string name;
  std::string type;  // unique | check | primary_key | foreign_key | exclude
  std::vector<std::string> columns;
  bool deferrable = false;
  bool initially_deferred = false;
  bool nulls_not_distinct = false;
  bool no_inherit = false;
  std::string check;
  std::optional<TableForeignKeyReference> references;
  std::optional<ExcludeConstraint> exclude;
  std::optional<IndexParameters> index_parameters;
  SourceLocation location;

  bool operator==(const Constraint&) const = default;
};

// A value that may be absent, or explicitly null (drop the default / comment).
struct NullableString {
  bool is_null = false;
  std::string value;

  bool operator==(const NullableString&) const = default;
};

}  // namespace zs::migration
