// Rewrites of SQL text by what the parser finds in it: a check expression or
// an index definition is carried over to temporary columns by replacing only
// the column references the parser reports (at the positions it reports), so
// literals, comments and other relations' columns stay as written.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace zs::sqlcheck {

// Old column name -> new column name (unquoted names, as in the catalogs).
using ColumnRenames = std::map<std::string, std::string>;

// `expression` (one value expression, e.g. a CHECK written against the
// columns' names) with each reference to a column of `table` in `renames`
// replaced by the quoted new name. A reference belongs to `table` when it is
// unqualified or qualified by `table`.
// REQUIRES: ValidateExpression(expression) succeeded.
Result<std::string> RenameColumns(const std::string& expression, const std::string& table,
                                  const ColumnRenames& renames);

// A CHECK constraint as pg_get_constraintdef prints it, "CHECK ((a > 0)) NO
// INHERIT NOT VALID", rewritten with `renames` and without NOT VALID:
// "CHECK ((\"new_a\" > 0)) NO INHERIT".
Result<std::string> RenameColumnsInCheck(const std::string& definition,
                                         const ColumnRenames& renames);

// What a FOREIGN KEY definition (pg_get_constraintdef) says.
struct ForeignKeyDefinition {
  std::vector<std::string> columns;  // referencing columns, in key order
  std::string referenced_schema;     // "" when the definition does not qualify the table
  std::string referenced_table;
  std::vector<std::string> referenced_columns;
  // "REFERENCES ..." to the end of the definition, without NOT VALID.
  std::string references_clause;
  // ON DELETE SET NULL / SET DEFAULT (columns): they are referencing columns too.
  std::vector<std::string> set_columns;
};
Result<ForeignKeyDefinition> ParseForeignKey(const std::string& definition);

// " DEFERRABLE", " DEFERRABLE INITIALLY DEFERRED" or "" for a UNIQUE or
// PRIMARY KEY definition (pg_get_constraintdef), to carry the timing over to
// ADD CONSTRAINT ... USING INDEX.
Result<std::string> ConstraintDeferral(const std::string& definition);

// Every column an index reads, as written in pg_get_indexdef: key columns,
// INCLUDE columns, columns of key expressions and of the WHERE predicate.
Result<std::vector<std::string>> IndexColumns(const std::string& definition);

// The bare column names among an index's key and INCLUDE columns, in order,
// repeats kept: the index's own attributes carry these names.
Result<std::vector<std::string>> IndexPlainColumns(const std::string& definition);

// A pg_get_indexdef definition as a CREATE [UNIQUE] INDEX CONCURRENTLY of an
// index named `name` on the same table, method, options and predicate, with
// the columns in `renames` replaced.
Result<std::string> DuplicateIndexSql(const std::string& definition, const std::string& name,
                                      const ColumnRenames& renames);

// The sequence a column default takes its values from, when the default is
// nextval('<sequence>'::regclass) (serial columns): schema ("" when not
// qualified) and name. nullopt for any other default.
struct SequenceName {
  std::string schema;
  std::string name;
};
Result<std::optional<SequenceName>> SequenceOfDefault(const std::string& default_expression);

}  // namespace zs::sqlcheck
