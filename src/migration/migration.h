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
};

struct CheckConstraint {
  std::string name;
  std::string constraint;
  bool no_inherit = false;
};

struct ForeignKeyReference {
  std::string name;
  std::string table;
  std::string column;
  std::string match_type = "SIMPLE";   // SIMPLE | FULL | PARTIAL
  std::string on_delete = "NO ACTION";  // NO ACTION | RESTRICT | CASCADE | SET NULL | SET DEFAULT
  std::string on_update = "NO ACTION";
  bool deferrable = false;
  bool initially_deferred = false;
};

struct IdentityOptions {
  std::string sequence_options;
  std::string user_specified_values = "ALWAYS";  // ALWAYS | BY DEFAULT
};

struct GeneratedColumn {
  std::string expression;
  std::optional<IdentityOptions> identity;
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
};

struct TableForeignKeyReference {
  std::string table;
  std::vector<std::string> columns;
  std::string match_type = "SIMPLE";
  std::string on_delete = "NO ACTION";
  std::string on_update = "NO ACTION";
  std::vector<std::string> on_delete_set_columns;
};

struct IndexParameters {
  std::string tablespace;
  std::string storage_parameters;
  std::vector<std::string> include_columns;
};

struct ExcludeConstraint {
  std::string index_method;
  std::string elements;
  std::string predicate;
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
};

struct OpCreateTable {
  std::string name;
  std::vector<Column> columns;
  std::optional<std::string> comment;
  std::vector<Constraint> constraints;
};

struct OpAddColumn {
  std::string table;
  Column column;
  std::string up;
};

struct OpDropColumn {
  std::string table;
  std::string column;
  std::string down;
};

struct OpRenameColumn {
  std::string table;
  std::string from;
  std::string to;
};

struct UniqueConstraint {
  std::string name;
};

// A value that may be absent, or explicitly null (drop the default / comment).
struct NullableString {
  bool is_null = false;
  std::string value;
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
};

struct OpDropTable {
  std::string name;
};

struct OpRenameTable {
  std::string from;
  std::string to;
};

struct OpRawSql {
  std::string up;
  std::string down;
  bool on_complete = false;
};

struct IndexOpclass {
  std::string name;
  std::vector<std::string> params;
};

struct IndexField {
  std::string column;
  std::string collate;
  std::string sort;   // "" | ASC | DESC
  std::string nulls;  // "" | FIRST | LAST
  std::optional<IndexOpclass> opclass;
};

struct OpCreateIndex {
  std::string name;
  std::string table;
  std::vector<IndexField> columns;
  std::string predicate;
  std::string method = "btree";
  std::string storage_parameters;
  bool unique = false;
};

struct OpDropIndex {
  std::string name;
};

struct OpDropConstraint {
  std::string table;
  std::string name;
  std::string up;
  std::string down;
};

struct OpDropMultiColumnConstraint {
  std::string table;
  std::string name;
  std::map<std::string, std::string> up;    // column -> expression
  std::map<std::string, std::string> down;  // column -> expression
};

struct OpRenameConstraint {
  std::string table;
  std::string from;
  std::string to;
};

struct OpSetReplicaIdentity {
  std::string table;
  std::string identity_type;  // DEFAULT | FULL | NOTHING | INDEX (as written)
  std::string index;
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
};

using OperationBody =
    std::variant<OpCreateTable, OpAddColumn, OpDropColumn, OpRenameColumn, OpAlterColumn,
                 OpDropTable, OpRenameTable, OpRawSql, OpCreateIndex, OpDropIndex,
                 OpDropConstraint, OpDropMultiColumnConstraint, OpRenameConstraint,
                 OpSetReplicaIdentity, OpCreateConstraint>;

struct Operation {
  std::string kind;  // the key in the file: "add_column", "sql", ...
  OperationBody body;
  SourceLocation location;
};

struct Migration {
  std::string name;            // file name without extension unless the file sets `name`
  std::string version_schema;  // "" = use the name
  std::vector<Operation> operations;
  std::string source_file;
  // The file's content as JSON text (normalised), stored in the state table.
  std::string raw_json;
};

}  // namespace zs::migration
