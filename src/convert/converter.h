// The converter behind ConvertSql, shared by the files that hold its parts:
// convert.cc (the statement loop and the helpers), convert_alter.cc (ALTER
// TABLE, UPDATE), convert_objects.cc (CREATE TABLE, CREATE INDEX, RENAME,
// DROP). Internal to convert/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "convert/convert.h"
#include "lint/source.h"
#include "lint/sql_text.h"
#include "sqlparse/tree.h"

namespace zs::convert::internal {

using lint::Statement;
using sqlparse::JsonValue;

// `name` cut to PostgreSQL's 63 bytes, as the server would.
std::string Truncate(std::string name);
// The column a ColumnRef names (its last field); "" for anything else.
std::string ColumnRefName(JsonValue node);
// The columns `expr` refers to, each once, in the parser's order.
std::vector<std::string> ReferencedColumns(JsonValue expr);
// The values of a list of String nodes.
std::vector<std::string> Strings(JsonValue list);
// A foreign key's ON DELETE / ON UPDATE action by its one-letter code.
std::string FkAction(std::string_view code);
// A foreign key's MATCH type by its one-letter code.
std::string MatchType(std::string_view code);

// How an UPDATE filled an added column, for the `down` of a later DROP COLUMN.
struct Fill {
  std::string source;         // the column the value was computed from
  std::string separator_sql;  // split_part(source, <sep>, k): the <sep> literal
  int64_t part = 0;           // k; 0 when the value is not a split_part
  bool copy = false;          // the value is the source column itself, maybe cast
};

Fill DescribeFill(const Statement& stmt, JsonValue value);

class Converter {
 public:
  Converter(std::string_view text, const std::string& file)
      : text_(text), file_(file), lines_(text) {}

  Status Run();
  Conversion Take() { return std::move(result_); }

 private:
  enum class Outcome { kMapped, kSkipped, kUnmapped };

  void Convert(const Statement& stmt);
  void Raw(const Statement& stmt, const std::string& why);
  void Warn(uint32_t offset, const std::string& message);
  std::string WhereAt(uint32_t offset) const;
  std::string Text(const Statement& stmt, JsonValue expr) const {
    return lint::ExpressionText(stmt, expr);
  }
  std::string TypeOf(const Statement& stmt, JsonValue type_name) const;
  void Add(const Statement& stmt, std::string kind, migration::OperationBody body);

  bool ConvertAlterTable(const Statement& stmt);
  Outcome AlterCommand(const Statement& stmt, const std::string& table, JsonValue cmd,
                       std::vector<std::pair<std::string, migration::OperationBody>>& ops);
  std::optional<migration::Column> ColumnFrom(const Statement& stmt, const std::string& table,
                                              JsonValue def);
  // `existing_table`: the table has rows, so `up` matters (not so in CREATE TABLE).
  std::optional<migration::OpCreateConstraint> CreateConstraint(const Statement& stmt,
                                                                const std::string& table,
                                                                JsonValue c, bool existing_table);
  bool ConvertCreateTable(const Statement& stmt);
  bool ConvertIndex(const Statement& stmt);
  bool ConvertRename(const Statement& stmt);
  bool ConvertDrop(const Statement& stmt);
  bool ConvertUpdate(const Statement& stmt);
  std::string DownForDroppedColumn(const std::string& table, const std::string& column);

  std::string_view text_;
  std::string file_;
  lint::LineIndex lines_;
  Conversion result_;
  // add_column operations of this file by (table, column): an UPDATE may give them `up`.
  std::map<std::pair<std::string, std::string>, size_t> added_;
  std::map<std::pair<std::string, std::string>, Fill> fills_;
  std::map<std::pair<std::string, std::string>, std::string> types_;
  std::set<std::pair<std::string, std::string>> constraints_;  // created by this file
  bool noted_transaction_ = false;
  bool noted_settings_ = false;
};

}  // namespace zs::convert::internal
