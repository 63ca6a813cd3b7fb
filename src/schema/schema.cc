#include "schema/schema.h"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

namespace zs::schema {

using nlohmann::json;

// ---------------------------------------------------------------------------
// Finders

const Column* Table::FindColumn(const std::string& name) const {
  auto it =
      std::find_if(columns.begin(), columns.end(), [&](const Column& c) { return c.name == name; });
  return it == columns.end() ? nullptr : &*it;
}

Column* Table::FindColumn(const std::string& name) {
  return const_cast<Column*>(std::as_const(*this).FindColumn(name));
}

const Column* Table::FindPhysicalColumn(const std::string& physical_name) const {
  auto it = std::find_if(columns.begin(), columns.end(),
                         [&](const Column& c) { return c.physical_name == physical_name; });
  return it == columns.end() ? nullptr : &*it;
}

bool Table::HasConstraint(const std::string& name) const {
  return std::any_of(constraints.begin(), constraints.end(),
                     [&](const Constraint& c) { return c.name == name; });
}

const Table* Schema::FindTable(const std::string& name) const {
  auto it =
      std::find_if(tables.begin(), tables.end(), [&](const Table& t) { return t.name == name; });
  return it == tables.end() ? nullptr : &*it;
}

Table* Schema::FindTable(const std::string& name) {
  return const_cast<Table*>(std::as_const(*this).FindTable(name));
}

const Table* Schema::FindPhysicalTable(const std::string& physical_name) const {
  auto it = std::find_if(tables.begin(), tables.end(),
                         [&](const Table& t) { return t.physical_name == physical_name; });
  return it == tables.end() ? nullptr : &*it;
}

void Schema::RemoveTable(const std::string& name) {
  std::erase_if(tables, [&](const Table& t) { return t.name == name; });
}

const Index* Schema::FindIndex(const std::string& name) const {
  for (const Table& table : tables) {
    for (const Index& index : table.indexes) {
      if (index.name == name) return &index;
    }
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// JSON: every field, so that SchemaFromJson(ToJson(s)) == s.

namespace {

json OptionalToJson(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

std::optional<std::string> OptionalFromJson(const json& object, const char* key) {
  const json& value = object.at(key);
  if (value.is_null()) return std::nullopt;
  return value.get<std::string>();
}

json ColumnToJson(const Column& column) {
  return {{"name", column.name},
          {"physical_name", column.physical_name},
          {"type", column.type},
          {"nullable", column.nullable},
          {"default", OptionalToJson(column.default_expr)},
          {"generated", column.generated},
          {"identity", column.identity},
          {"comment", OptionalToJson(column.comment)}};
}

json ConstraintToJson(const Constraint& constraint) {
  return {{"name", constraint.name},
          {"type", std::string(1, constraint.type)},
          {"columns", constraint.columns},
          {"definition", constraint.definition},
          {"validated", constraint.validated}};
}

json IndexToJson(const Index& index) {
  return {{"name", index.name},       {"columns", index.columns}, {"unique", index.unique},
          {"primary", index.primary}, {"valid", index.valid},     {"definition", index.definition}};
}

json TableToJson(const Table& table) {
  json columns = json::array(), constraints = json::array(), indexes = json::array();
  for (const Column& column : table.columns) columns.push_back(ColumnToJson(column));
  for (const Constraint& constraint : table.constraints) {
    constraints.push_back(ConstraintToJson(constraint));
  }
  for (const Index& index : table.indexes) indexes.push_back(IndexToJson(index));
  return {{"name", table.name},
          {"physical_name", table.physical_name},
          {"columns", std::move(columns)},
          {"primary_key", table.primary_key},
          {"constraints", std::move(constraints)},
          {"indexes", std::move(indexes)},
          {"comment", OptionalToJson(table.comment)},
          {"partitioned", table.partitioned},
          {"replica_identity", table.replica_identity},
          {"replica_identity_index", table.replica_identity_index}};
}

// The *FromJson helpers throw nlohmann::json::exception on a missing key or
// a wrong type; SchemaFromJson turns that into a Status.
const json& ArrayAt(const json& object, const char* key) {
  const json& value = object.at(key);
  if (!value.is_array()) {
    throw json::type_error::create(302, std::string("\"") + key + "\" must be an array", &value);
  }
  return value;
}

Column ColumnFromJson(const json& object) {
  Column column;
  column.name = object.at("name").get<std::string>();
  column.physical_name = object.at("physical_name").get<std::string>();
  column.type = object.at("type").get<std::string>();
  column.nullable = object.at("nullable").get<bool>();
  column.default_expr = OptionalFromJson(object, "default");
  column.generated = object.at("generated").get<bool>();
  column.identity = object.at("identity").get<std::string>();
  column.comment = OptionalFromJson(object, "comment");
  return column;
}

Constraint ConstraintFromJson(const json& object) {
  Constraint constraint;
  constraint.name = object.at("name").get<std::string>();
  std::string type = object.at("type").get<std::string>();
  if (type.size() != 1) {
    throw json::type_error::create(302, "constraint \"type\" must be one character", &object);
  }
  constraint.type = type[0];
  constraint.columns = object.at("columns").get<std::vector<std::string>>();
  constraint.definition = object.at("definition").get<std::string>();
  constraint.validated = object.at("validated").get<bool>();
  return constraint;
}

Index IndexFromJson(const json& object) {
  Index index;
  index.name = object.at("name").get<std::string>();
  index.columns = object.at("columns").get<std::vector<std::string>>();
  index.unique = object.at("unique").get<bool>();
  index.primary = object.at("primary").get<bool>();
  index.valid = object.at("valid").get<bool>();
  index.definition = object.at("definition").get<std::string>();
  return index;
}

Table TableFromJson(const json& object) {
  Table table;
  table.name = object.at("name").get<std::string>();
  table.physical_name = object.at("physical_name").get<std::string>();
  for (const json& column : ArrayAt(object, "columns"))
    table.columns.push_back(ColumnFromJson(column));
  table.primary_key = object.at("primary_key").get<std::vector<std::string>>();
  for (const json& constraint : ArrayAt(object, "constraints")) {
    table.constraints.push_back(ConstraintFromJson(constraint));
  }
  for (const json& index : ArrayAt(object, "indexes"))
    table.indexes.push_back(IndexFromJson(index));
  table.comment = OptionalFromJson(object, "comment");
  table.partitioned = object.at("partitioned").get<bool>();
  // Absent from snapshots stored before the field existed.
  table.replica_identity = object.value("replica_identity", std::string("d"));
  table.replica_identity_index = object.value("replica_identity_index", std::string());
  return table;
}

}  // namespace

json ToJson(const Schema& schema) {
  json tables = json::array();
  for (const Table& table : schema.tables) tables.push_back(TableToJson(table));
  return {{"name", schema.name}, {"tables", std::move(tables)}};
}

Result<Schema> SchemaFromJson(const json& object) {
  try {
    Schema schema;
    schema.name = object.at("name").get<std::string>();
    for (const json& table : ArrayAt(object, "tables"))
      schema.tables.push_back(TableFromJson(table));
    return schema;
  } catch (const json::exception& e) {
    return InvalidInput(std::string("stored schema JSON is malformed: ") + e.what());
  }
}

}  // namespace zs::schema
