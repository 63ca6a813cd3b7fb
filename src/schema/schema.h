// The schema as zeroshift sees it: read from the catalogs, then evolved
// virtually by each operation (a column may be shown under a new name, or be a
// temporary physical column standing in for the old one).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/status.h"

namespace zs::pg {
class Connection;
}
namespace zs::backend {
class Session;
}

namespace zs::schema {

struct Column {
  std::string name;           // name in this version
  std::string physical_name;  // name of the column in the table
  std::string type;           // format_type(atttypid, atttypmod), e.g. "character varying(100)"
  bool nullable = true;
  std::optional<std::string> default_expr;  // pg_get_expr of the default
  bool generated = false;                   // GENERATED ALWAYS AS (...) STORED
  std::string identity;                     // "" | "a" (ALWAYS) | "d" (BY DEFAULT)
  std::optional<std::string> comment;
};

struct Constraint {
  std::string name;
  char type = 'c';  // contype: c check, f foreign key, p primary key, u unique, x exclusion
  std::vector<std::string> columns;  // physical column names
  std::string definition;            // pg_get_constraintdef
  bool validated = true;
};

struct Index {
  std::string name;
  std::vector<std::string> columns;  // physical names; empty for expression indexes
  bool unique = false;
  bool primary = false;
  bool valid = true;
  std::string definition;  // pg_get_indexdef
};

struct Table {
  std::string name;           // name in this version
  std::string physical_name;  // name of the relation
  std::vector<Column> columns;
  std::vector<std::string> primary_key;  // physical column names, in key order
  std::vector<Constraint> constraints;
  std::vector<Index> indexes;
  std::optional<std::string> comment;
  bool partitioned = false;
  // pg_class.relreplident: "d" default, "f" full, "n" nothing, "i" the index
  // named in replica_identity_index.
  std::string replica_identity = "d";
  std::string replica_identity_index;

  const Column* FindColumn(const std::string& name) const;
  Column* FindColumn(const std::string& name);
  const Column* FindPhysicalColumn(const std::string& physical_name) const;
  bool HasConstraint(const std::string& name) const;
};

struct Schema {
  std::string name;  // e.g. "public"
  std::vector<Table> tables;

  const Table* FindTable(const std::string& name) const;
  Table* FindTable(const std::string& name);
  const Table* FindPhysicalTable(const std::string& physical_name) const;
  void RemoveTable(const std::string& name);
  // Any index of any table with this name.
  const Index* FindIndex(const std::string& name) const;
};

// Reads every table of `schema_name` from the catalogs of the session's
// database: on PostgreSQL the schema's (the pg::Connection overload below), on
// MariaDB the database's of that name (ReadMariadbSchema, mariadb_reader.h,
// which says which fields have no MariaDB meaning). Tables are ordered by
// name, columns by position; virtual names equal physical. A schema that does
// not exist reads as empty on PostgreSQL; a missing MariaDB database is
// kNotFound, naming it.
Result<Schema> ReadSchema(backend::Session& session, const std::string& schema_name);

// The PostgreSQL implementation (postgres_reader.cc), for code that still
// holds a pg::Connection: every ordinary and partitioned table of
// `schema_name` from the catalogs (pg_class, pg_attribute, pg_constraint,
// pg_index, pg_description). Tables are ordered by name, columns by attnum.
Result<Schema> ReadSchema(pg::Connection& conn, const std::string& schema_name);

nlohmann::json ToJson(const Schema& schema);
Result<Schema> SchemaFromJson(const nlohmann::json& json);

}  // namespace zs::schema
