// CREATE TABLE, CREATE INDEX, RENAME and DROP.
#include <fmt/format.h>

#include <algorithm>

#include "convert/converter.h"
#include "lint/analysis.h"
#include "lint/sql_text.h"
#include "lint/tree.h"
#include "lint/types.h"

namespace zs::convert::internal {

using migration::Operation;

bool Converter::ConvertCreateTable(const Statement& stmt) {
  JsonValue body = stmt.body;
  lint::RelationName rel = lint::Relation(body["relation"]);
  std::string_view persistence = body["relation"]["relpersistence"].str();
  if (body["inhRelations"].exists() || body["partspec"].exists() || body["partbound"].exists() ||
      body["ofTypename"].exists() || persistence != "p" || body["options"].exists()) {
    return false;
  }
  migration::OpCreateTable op;
  op.name = rel.name;
  for (JsonValue element : body["tableElts"]) {
    if (element.type() == "ColumnDef") {
      std::optional<migration::Column> column = ColumnFrom(stmt, rel.name, element.inner());
      if (!column) return false;
      op.columns.push_back(std::move(*column));
      continue;
    }
    if (element.type() != "Constraint") return false;
    std::optional<migration::OpCreateConstraint> c =
        CreateConstraint(stmt, rel.name, element.inner(), false);
    if (!c) return false;
    migration::Constraint constraint;
    constraint.name = c->name;
    constraint.type = c->type;
    constraint.columns = c->columns;
    constraint.check = c->check;
    constraint.no_inherit = c->no_inherit;
    constraint.references = c->references;
    if (constraint.type == "check") constraint.columns.clear();
    op.constraints.push_back(std::move(constraint));
  }
  Add(stmt, "create_table", std::move(op));
  return true;
}

namespace {

// An index's WITH (...) options as `name=value, ...`; "" when a value is of another kind.
std::string Storage(JsonValue options) {
  std::string out;
  for (JsonValue wrapped : options) {
    JsonValue option = wrapped.inner();
    JsonValue arg = option["arg"];
    std::string value;
    if (arg.type() == "Integer") {
      value = std::to_string(arg.inner()["ival"].int_or(0));
    } else if (arg.type() == "String") {
      value = std::string(arg.inner()["sval"].str());
    } else if (arg.type() == "Float") {
      value = std::string(arg.inner()["fval"].str());
    } else if (arg.type() == "Boolean") {
      value = arg.inner()["boolval"].is_true() ? "true" : "false";
    } else {
      return "";
    }
    out += (out.empty() ? "" : ", ") + std::string(option["defname"].str()) + "=" + value;
  }
  return out;
}

}  // namespace

bool Converter::ConvertIndex(const Statement& stmt) {
  JsonValue body = stmt.body;
  static constexpr std::string_view kMethods[] = {"btree", "hash", "gist", "spgist", "gin", "brin"};
  std::string method(body["accessMethod"].str());
  if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods) ||
      body["indexIncludingParams"].exists() || body["tableSpace"].exists() ||
      body["nulls_not_distinct"].is_true()) {
    return false;
  }
  migration::OpCreateIndex op;
  lint::RelationName rel = lint::Relation(body["relation"]);
  op.table = rel.name;
  op.method = method;
  op.unique = body["unique"].is_true();
  std::string joined;
  for (JsonValue wrapped : body["indexParams"]) {
    JsonValue elem = wrapped.inner();
    if (elem["expr"].exists() || !elem["name"].exists()) return false;  // expression index
    migration::IndexField field;
    field.column = std::string(elem["name"].str());
    joined += "_" + field.column;
    std::string_view ordering = elem["ordering"].str();
    if (ordering == "SORTBY_DESC") field.sort = "DESC";
    if (ordering == "SORTBY_ASC") field.sort = "ASC";
    std::string_view nulls = elem["nulls_ordering"].str();
    if (nulls == "SORTBY_NULLS_FIRST") field.nulls = "FIRST";
    if (nulls == "SORTBY_NULLS_LAST") field.nulls = "LAST";
    std::vector<std::string_view> collation = lint::StringList(elem["collation"]);
    if (!collation.empty()) field.collate = std::string(collation.back());
    std::vector<std::string_view> opclass = lint::StringList(elem["opclass"]);
    if (!opclass.empty()) {
      if (elem["opclassopts"].exists()) return false;
      field.opclass = migration::IndexOpclass{std::string(opclass.back()), {}};
    }
    op.columns.push_back(std::move(field));
  }
  if (op.columns.empty()) return false;
  op.name = std::string(body["idxname"].str());
  if (op.name.empty()) op.name = Truncate(rel.name + joined + "_idx");
  if (body["whereClause"].exists()) {
    op.predicate = Text(stmt, body["whereClause"]);
    if (op.predicate.empty()) return false;
  }
  if (body["options"].exists()) {
    op.storage_parameters = Storage(body["options"]);
    if (op.storage_parameters.empty()) return false;
  }
  Add(stmt, "create_index", std::move(op));
  return true;
}

bool Converter::ConvertRename(const Statement& stmt) {
  JsonValue body = stmt.body;
  std::string_view type = body["renameType"].str();
  std::string table = lint::Relation(body["relation"]).name;
  std::string to(body["newname"].str());
  if (type == "OBJECT_COLUMN" && body["relationType"].str() == "OBJECT_TABLE") {
    Add(stmt, "rename_column",
        migration::OpRenameColumn{table, std::string(body["subname"].str()), to});
    return true;
  }
  if (type == "OBJECT_TABLE") {
    Add(stmt, "rename_table", migration::OpRenameTable{table, to});
    return true;
  }
  if (type == "OBJECT_TABCONSTRAINT") {
    Add(stmt, "rename_constraint",
        migration::OpRenameConstraint{table, std::string(body["subname"].str()), to});
    return true;
  }
  return false;
}

bool Converter::ConvertDrop(const Statement& stmt) {
  std::string_view type = stmt.body["removeType"].str();
  if (type != "OBJECT_TABLE" && type != "OBJECT_INDEX") return false;
  if (stmt.body["behavior"].str() == "DROP_CASCADE") return false;
  std::vector<std::string> names;
  for (JsonValue object : stmt.body["objects"]) {
    std::vector<std::string_view> parts = lint::StringList(object.inner()["items"]);
    if (parts.empty()) return false;
    names.emplace_back(parts.back());
  }
  for (const std::string& name : names) {
    if (type == "OBJECT_TABLE") {
      Add(stmt, "drop_table", migration::OpDropTable{name});
    } else {
      Add(stmt, "drop_index", migration::OpDropIndex{name});
    }
  }
  return !names.empty();
}

}  // namespace zs::convert::internal
