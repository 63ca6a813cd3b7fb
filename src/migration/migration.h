// The in-memory form of a pgroll-format migration file. Every field of
// ../shared/reference/pgroll-migration-schema.json has a place here, whether or
// not zeroshift executes that operation yet.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
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

struct OpCreateTable {
  std::string name;
  std::vector<Column> columns;
  std::optional<std::string> comment;
  std::vector<Constraint> constraints;

  bool operator==(const OpCreateTable&) const = default;
};

struct OpAddColumn {
  std::string table;
  Column column;
  std::string up;

  bool operator==(const OpAddColumn&) const = default;
};

struct OpDropColumn {
  std::string table;
  std::string column;
  std::string down;

  bool operator==(const OpDropColumn&) const = default;
};

struct OpRenameColumn {
  std::string table;
  std::string from;
  std::string to;

  bool operator==(const OpRenameColumn&) const = default;
};

struct UniqueConstraint {
  std::string name;

  bool operator==(const UniqueConstraint&) const = default;
};

// A value that may be absent, or explicitly null (drop the default / comment).
struct NullableString {
  bool is_null = false;
  std::string value;

  bool operator==(const NullableString&) const = default;
};

struct OpAlterColumn {
  std::string table;
  std::string column;
  std::optional<std::string> type;
  std::optional<bool> nullable;
  std::optional<NullableString> default_value;
  std::optional<NullableString> comment;
  std::optional<CheckConstraint> check;
  std::optional<UniqueConstraint> unique;
  std::optional<ForeignKeyReference> references;
  std::string up;
  std::string down;

  bool operator==(const OpAlterColumn&) const = default;
};

struct OpDropTable {
  std::string name;

  bool operator==(const OpDropTable&) const = default;
};

struct OpRenameTable {
  std::string from;
  std::string to;

  bool operator==(const OpRenameTable&) const = default;
};

struct OpRawSql {
  std::string up;
  std::string down;
  bool on_complete = false;

  bool operator==(const OpRawSql&) const = default;
};

struct IndexOpclass {
  std::string name;
  std::vector<std::string> params;

  bool operator==(const IndexOpclass&) const = default;
};

struct IndexField {
  std::string column;
  std::string collate;
  std::string sort;   // "" | ASC | DESC
  std::string nulls;  // "" | FIRST | LAST
  std::optional<IndexOpclass> opclass;

  bool operator==(const IndexField&) const = default;
};

struct OpCreateIndex {
  std::string name;
  std::string table;
  std::vector<IndexField> columns;
  std::string predicate;
  std::string method = "btree";
  std::string storage_parameters;
  bool unique = false;

  bool operator==(const OpCreateIndex&) const = default;
};

struct OpDropIndex {
  std::string name;

  bool operator==(const OpDropIndex&) const = default;
};

struct OpDropConstraint {
  std::string table;
  std::string name;
  std::string up;
  std::string down;

  bool operator==(const OpDropConstraint&) const = default;
};

struct OpDropMultiColumnConstraint {
  std::string table;
  std::string name;
  std::map<std::string, std::string> up;    // column -> expression
  std::map<std::string, std::string> down;  // column -> expression

  bool operator==(const OpDropMultiColumnConstraint&) const = default;
};

struct OpRenameConstraint {
  std::string table;
  std::string from;
  std::string to;

  bool operator==(const OpRenameConstraint&) const = default;
};

struct OpSetReplicaIdentity {
  std::string table;
  std::string identity_type;  // DEFAULT | FULL | NOTHING | INDEX (as written)
  std::string index;

  bool operator==(const OpSetReplicaIdentity&) const = default;
};

struct OpCreateConstraint {
  std::string table;
  std::string name;
  std::string type;  // unique | check | foreign_key | primary_key
  std::vector<std::string> columns;
  std::string check;
  bool no_inherit = false;
  std::optional<IndexParameters> index_parameters;
  std::optional<TableForeignKeyReference> references;
  std::map<std::string, std::string> up;
  std::map<std::string, std::string> down;

  bool operator==(const OpCreateConstraint&) const = default;
};

using OperationBody =
    std::variant<OpCreateTable, OpAddColumn, OpDropColumn, OpRenameColumn, OpAlterColumn,
                 OpDropTable, OpRenameTable, OpRawSql, OpCreateIndex, OpDropIndex, OpDropConstraint,
                 OpDropMultiColumnConstraint, OpRenameConstraint, OpSetReplicaIdentity,
                 OpCreateConstraint>;

struct Operation {
  std::string kind;  // the key in the file: "add_column", "sql", ...
  OperationBody body;
  SourceLocation location;

  bool operator==(const Operation&) const = default;
};

struct Migration {
  std::string name;            // file name without extension unless the file sets `name`
  std::string version_schema;  // "" = use the name
  std::vector<Operation> operations;
  std::string source_file;
  // The file's content as JSON text (normalised), stored in the state table.
  std::string raw_json;

  bool operator==(const Migration&) const = default;
};

}  // namespace zs::migration
