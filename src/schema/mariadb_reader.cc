#include "schema/mariadb_reader.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <utility>

#include "mysql/connection.h"
#include "mysql/lexical.h"

namespace zs::schema {

// ---------------------------------------------------------------------------
// Identifiers in SQL text

namespace {

bool MariadbIsWordByte(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

// The index just past a comment starting at `i`, or `i` when none starts
// there. /*! ... */ and /*M! ... */ are executed by the server, so only their
// opener is skipped and their text is read as SQL.
size_t MariadbSkipComment(std::string_view sql, size_t i) {
  if (sql.substr(i, 3) == "/*!") return i + 3;
  if (sql.substr(i, 4) == "/*M!") return i + 4;
  if (sql.substr(i, 2) == "/*") {
    size_t end = sql.find("*/", i + 2);
    return end == std::string_view::npos ? sql.size() : end + 2;
  }
  bool dash_dash = sql.substr(i, 2) == "--" &&
                   (i + 2 == sql.size() || std::isspace(static_cast<unsigned char>(sql[i + 2])));
  if (dash_dash || sql[i] == '#') {
    size_t end = sql.find('\n', i);
    return end == std::string_view::npos ? sql.size() : end + 1;
  }
  return i;
}

}  // namespace

std::vector<MariadbName> MariadbNamesIn(std::string_view sql) {
  std::vector<MariadbName> names;
  size_t i = 0;
  while (i < sql.size()) {
    const unsigned char c = static_cast<unsigned char>(sql[i]);
    if (size_t after = MariadbSkipComment(sql, i); after != i) {
      i = after;
    } else if (c == '\'' || c == '"') {
      // An unclosed literal runs to the end of the text.
      i = std::min(mysql::QuotedEnd(sql, i), sql.size());
    } else if (c == '`') {
      MariadbName name{.quoted = true};
      for (++i; i < sql.size(); ++i) {
        if (sql[i] == '`') {
          if (i + 1 < sql.size() && sql[i + 1] == '`') {
            name.text += '`';
            ++i;
          } else {
            ++i;
            break;
          }
        } else {
          name.text += sql[i];
        }
      }
      names.push_back(std::move(name));
    } else if (MariadbIsWordByte(c)) {
      size_t start = i;
      while (i < sql.size() && MariadbIsWordByte(static_cast<unsigned char>(sql[i]))) ++i;
      names.push_back({.text = std::string(sql.substr(start, i - start))});
    } else {
      ++i;
    }
  }
  return names;
}

bool MariadbSameColumnName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// ---------------------------------------------------------------------------
// ReadMariadbSchema: one query per information_schema table, assembled by
// table name in C++. information_schema compares names without regard to case
// (utf8mb3_general_ci) while table and database names are case-sensitive on
// Linux, so every row carries its database and table and is matched exactly
// here; for the same reason nothing is joined or ordered in SQL.

namespace {

using MariadbTablesByName = std::map<std::string, Table*>;

// One STATISTICS row: a key part of an index.
struct MariadbKeyPart {
  std::string column;
  std::string spec;  // `col`(10) DESC
};

struct MariadbIndexRows {
  std::string table;
  std::string type;  // BTREE, HASH, FULLTEXT, SPATIAL
  bool unique = false;
  bool ignored = false;
  std::vector<std::pair<long long, MariadbKeyPart>> parts;  // by SEQ_IN_INDEX
};

std::string MariadbQualified(const std::string& database, const std::string& table) {
  return mysql::QuoteIdentifier(database) + "." + mysql::QuoteIdentifier(table);
}

std::string MariadbJoin(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

std::string MariadbQuotedList(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const std::string& name : names) quoted.push_back(mysql::QuoteIdentifier(name));
  return "(" + MariadbJoin(quoted) + ")";
}

// Runs `select_list FROM information_schema.<from> WHERE <schema_column> =
// database` and keeps the rows whose column 0 is exactly `database`.
Result<mysql::Rows> MariadbCatalogRows(mysql::Connection& conn, const std::string& database,
                                       const std::string& schema_column,
                                       const std::string& select_list, const std::string& from,
                                       const std::string& order_by = "") {
  std::string sql = "SELECT " + schema_column + ", " + select_list + " FROM information_schema." +
                    from + " WHERE " + schema_column + " = " + mysql::QuoteLiteral(database);
  if (!order_by.empty()) sql += " ORDER BY " + order_by;
  return conn.Exec(sql);
}

Table* MariadbOwner(const MariadbTablesByName& tables, const std::string& database,
                    const mysql::Rows& rows, int row) {
  if (rows.Get(row, 0) != database) return nullptr;
  auto it = tables.find(rows.Get(row, 1));
  return it == tables.end() ? nullptr : it->second;
}

Status MariadbCheckDatabaseExists(mysql::Connection& conn, const std::string& database) {
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                      MariadbCatalogRows(conn, database, "SCHEMA_NAME", "1", "SCHEMATA"));
  for (int row = 0; row < rows.size(); ++row) {
    if (rows.Get(row, 0) == database) return Status::Ok();
  }
  return NotFound("database " + mysql::QuoteIdentifier(database) +
                  " does not exist on the MariaDB server: create it (CREATE DATABASE " +
                  mysql::QuoteIdentifier(database) +
                  ") or name an existing database (a MariaDB schema is a database; names "
                  "are case-sensitive)");
}

// Fills schema.tables, sorted by name, and returns them by name.
// REQUIRES: schema.tables is not resized afterwards (the map points into it).
Result<MariadbTablesByName> MariadbReadTables(mysql::Connection& conn, Schema& schema) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      MariadbCatalogRows(conn, schema.name, "TABLE_SCHEMA",
                         "TABLE_NAME, TABLE_TYPE, TABLE_COMMENT, CREATE_OPTIONS", "TABLES"));
  for (int row = 0; row < rows.size(); ++row) {
    const std::string type = rows.Get(row, 2);
    if (rows.Get(row, 0) != schema.name || (type != "BASE TABLE" && type != "SYSTEM VERSIONED")) {
      continue;
    }
    Table table;
    table.name = table.physical_name = rows.Get(row, 1);
    if (std::string comment = rows.Get(row, 3); !comment.empty()) table.comment = comment;
    table.partitioned = rows.Get(row, 4).find("partitioned") != std::string::npos;
    schema.tables.push_back(std::move(table));
  }
  std::sort(schema.tables.begin(), schema.tables.end(),
            [](const Table& a, const Table& b) { return a.name < b.name; });
  MariadbTablesByName by_name;
  for (Table& table : schema.tables) by_name.emplace(table.name, &table);
  return by_name;
}

Column MariadbColumnFromRow(const mysql::Rows& rows, int row) {
  Column column;
  column.name = column.physical_name = rows.Get(row, 2);
  column.type = rows.Get(row, 3);
  column.nullable = rows.Get(row, 4) == "YES";
  column.generated = rows.Get(row, 6) == "ALWAYS";
  if (column.generated) {
    column.default_expr = rows.GetOptional(row, 7);
  } else if (const auto& value = rows.GetOptional(row, 5); value && *value != "NULL") {
    // The string NULL is "no default" or DEFAULT NULL; a default of the
    // string 'NULL' reads quoted.
    column.default_expr = value;
  }
  if (rows.Get(row, 8).find("auto_increment") != std::string::npos) column.identity = "d";
  if (std::string comment = rows.Get(row, 9); !comment.empty()) column.comment = comment;
  return column;
}

Status MariadbReadColumns(mysql::Connection& conn, const std::string& database,
                          const MariadbTablesByName& tables) {
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                      MariadbCatalogRows(conn, database, "TABLE_SCHEMA",
                                         "TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, "
                                         "COLUMN_DEFAULT, IS_GENERATED, GENERATION_EXPRESSION, "
                                         "EXTRA, COLUMN_COMMENT",
                                         "COLUMNS", "ORDINAL_POSITION"));
  for (int row = 0; row < rows.size(); ++row) {
    Table* table = MariadbOwner(tables, database, rows, row);
    if (table != nullptr) table->columns.push_back(MariadbColumnFromRow(rows, row));
  }
  return Status::Ok();
}

// Every index of the database, by (table, index name).
Result<std::map<std::pair<std::string, std::string>, MariadbIndexRows>> MariadbReadIndexRows(
    mysql::Connection& conn, const std::string& database, const MariadbTablesByName& tables) {
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                      MariadbCatalogRows(conn, database, "TABLE_SCHEMA",
                                         "TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, "
                                         "COLUMN_NAME, COLLATION, SUB_PART, INDEX_TYPE, IGNORED",
                                         "STATISTICS"));
  std::map<std::pair<std::string, std::string>, MariadbIndexRows> indexes;
  for (int row = 0; row < rows.size(); ++row) {
    if (MariadbOwner(tables, database, rows, row) == nullptr) continue;
    MariadbIndexRows& index = indexes[{rows.Get(row, 1), rows.Get(row, 2)}];
    index.table = rows.Get(row, 1);
    index.unique = rows.Get(row, 3) == "0";
    index.type = rows.Get(row, 8);
    index.ignored = rows.Get(row, 9) == "YES";
    MariadbKeyPart part{.column = rows.Get(row, 5),
                        .spec = mysql::QuoteIdentifier(rows.Get(row, 5))};
    if (!rows.IsNull(row, 7)) part.spec += "(" + rows.Get(row, 7) + ")";
    if (rows.Get(row, 6) == "D") part.spec += " DESC";
    index.parts.emplace_back(rows.GetInt(row, 4), std::move(part));
  }
  for (auto& [key, index] : indexes)
    std::sort(index.parts.begin(), index.parts.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  return indexes;
}

std::string MariadbKeySpecs(const MariadbIndexRows& rows) {
  std::vector<std::string> specs;
  for (const auto& [seq, part] : rows.parts) specs.push_back(part.spec);
  return "(" + MariadbJoin(specs) + ")";
}

std::string MariadbIndexDefinition(const std::string& database, const std::string& name,
                                   const MariadbIndexRows& rows) {
  std::string on = MariadbQualified(database, rows.table);
  std::string def;
  if (name == "PRIMARY") {
    def = "ALTER TABLE " + on + " ADD PRIMARY KEY " + MariadbKeySpecs(rows);
  } else {
    std::string kind = rows.type == "FULLTEXT"  ? "FULLTEXT "
                       : rows.type == "SPATIAL" ? "SPATIAL "
                       : rows.unique            ? "UNIQUE "
                                                : "";
    def = "CREATE " + kind + "INDEX " + mysql::QuoteIdentifier(name) + " ON " + on + " " +
          MariadbKeySpecs(rows);
  }
  if (rows.type == "HASH") def += " USING HASH";
  if (rows.ignored) def += " IGNORED";
  return def;
}

// Indexes, the primary key, and the p and u constraints (which are indexes).
Status MariadbReadIndexes(mysql::Connection& conn, const std::string& database,
                          const MariadbTablesByName& tables) {
  ZS_ASSIGN_OR_RETURN(auto indexes, MariadbReadIndexRows(conn, database, tables));
  for (const auto& [key, rows] : indexes) {
    Table& table = *tables.at(rows.table);
    Index index;
    index.name = key.second;
    index.primary = index.name == "PRIMARY";
    index.unique = rows.unique;
    index.definition = MariadbIndexDefinition(database, index.name, rows);
    for (const auto& [seq, part] : rows.parts) index.columns.push_back(part.column);
    if (index.primary) table.primary_key = index.columns;
    if (rows.unique && rows.type != "FULLTEXT" && rows.type != "SPATIAL") {
      std::string body = index.primary ? "PRIMARY KEY " : "UNIQUE ";
      body += MariadbKeySpecs(rows) + (rows.type == "HASH" ? " USING HASH" : "");
      table.constraints.push_back({.name = index.name,
                                   .type = index.primary ? 'p' : 'u',
                                   .columns = index.columns,
                                   .definition = std::move(body)});
    }
    table.indexes.push_back(std::move(index));
  }
  return Status::Ok();
}

// " ON DELETE CASCADE" for a rule other than MariaDB's default, RESTRICT.
std::string MariadbRule(const char* event, const std::string& rule) {
  return rule.empty() || rule == "RESTRICT" ? "" : std::string(" ON ") + event + " " + rule;
}

Status MariadbReadForeignKeys(mysql::Connection& conn, const std::string& database,
                              const MariadbTablesByName& tables) {
  ZS_ASSIGN_OR_RETURN(mysql::Rows rules,
                      MariadbCatalogRows(conn, database, "CONSTRAINT_SCHEMA",
                                         "TABLE_NAME, CONSTRAINT_NAME, DELETE_RULE, UPDATE_RULE",
                                         "REFERENTIAL_CONSTRAINTS"));
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows keys,
      MariadbCatalogRows(conn, database, "TABLE_SCHEMA",
                         "TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, "
                         "REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME",
                         "KEY_COLUMN_USAGE", "ORDINAL_POSITION"));
  struct Key {
    std::vector<std::string> columns, referenced_columns;
    std::string referenced;
  };
  std::map<std::pair<std::string, std::string>, Key> by_name;
  for (int row = 0; row < keys.size(); ++row) {
    if (MariadbOwner(tables, database, keys, row) == nullptr || keys.IsNull(row, 4)) continue;
    Key& key = by_name[{keys.Get(row, 1), keys.Get(row, 2)}];
    key.columns.push_back(keys.Get(row, 3));
    key.referenced = MariadbQualified(keys.Get(row, 4), keys.Get(row, 5));
    key.referenced_columns.push_back(keys.Get(row, 6));
  }
  for (int row = 0; row < rules.size(); ++row) {
    Table* table = MariadbOwner(tables, database, rules, row);
    auto key = by_name.find({rules.Get(row, 1), rules.Get(row, 2)});
    if (table == nullptr || key == by_name.end()) continue;
    const Key& fk = key->second;
    table->constraints.push_back({.name = rules.Get(row, 2),
                                  .type = 'f',
                                  .columns = fk.columns,
                                  .definition = "FOREIGN KEY " + MariadbQuotedList(fk.columns) +
                                                " REFERENCES " + fk.referenced + " " +
                                                MariadbQuotedList(fk.referenced_columns) +
                                                MariadbRule("DELETE", rules.Get(row, 3)) +
                                                MariadbRule("UPDATE", rules.Get(row, 4))});
  }
  return Status::Ok();
}

// The table's columns that `clause` names (in backticks, as the server
// writes a stored expression), in the table's column order.
std::vector<std::string> MariadbColumnsNamedIn(const Table& table, const std::string& clause) {
  std::vector<MariadbName> names = MariadbNamesIn(clause);
  std::vector<std::string> out;
  for (const Column& column : table.columns) {
    bool named = std::any_of(names.begin(), names.end(), [&](const MariadbName& name) {
      return name.quoted && MariadbSameColumnName(name.text, column.physical_name);
    });
    if (named) out.push_back(column.physical_name);
  }
  return out;
}

Status MariadbReadChecks(mysql::Connection& conn, const std::string& database,
                         const MariadbTablesByName& tables) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      MariadbCatalogRows(conn, database, "CONSTRAINT_SCHEMA",
                         "TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE", "CHECK_CONSTRAINTS"));
  for (int row = 0; row < rows.size(); ++row) {
    Table* table = MariadbOwner(tables, database, rows, row);
    if (table == nullptr) continue;
    const std::string clause = rows.Get(row, 3);
    table->constraints.push_back({.name = rows.Get(row, 2),
                                  .type = 'c',
                                  .columns = MariadbColumnsNamedIn(*table, clause),
                                  .definition = "CHECK (" + clause + ")"});
  }
  return Status::Ok();
}

// The constraint name in the message of a CHECK trigger's body,
// `MESSAGE_TEXT = 'CONSTRAINT `<name>` failed for ...'`, or "" when the body
// has no such message. A long name's trigger name holds only part of it
// (ops/mariadb_swap_rules.cc), so the name is read from here.
std::string MariadbCheckNameInMessage(const std::string& body) {
  const std::string head = "MESSAGE_TEXT = 'CONSTRAINT `";
  size_t at = body.find(head);
  if (at == std::string::npos) return "";
  std::string name;
  for (at += head.size(); at < body.size(); ++at) {
    char c = body[at];
    if (c == '`' && body.compare(at, 2, "``") == 0) {
      name += '`';
      ++at;
    } else if (c == '`') {
      return body.compare(at, 13, "` failed for ") == 0 ? name : "";
    } else if ((c == '\\' || c == '\'') && at + 1 < body.size()) {
      name += body[++at];  // a character the literal escaped
    } else {
      name += c;
    }
  }
  return "";
}

// The CHECKs zeroshift enforces with triggers (ops/mariadb_swap_rules.h):
// the BEFORE INSERT trigger `zs_check_<name>_bi` whose body starts with the
// label `zs_check:` (kMariadbCheckTriggerLabel) stands for CHECK <name>, its
// definition the body, its columns those its NEW.`...` aliases read.
Status MariadbReadCheckTriggers(mysql::Connection& conn, const std::string& database,
                                const MariadbTablesByName& tables) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      MariadbCatalogRows(conn, database, "TRIGGER_SCHEMA",
                         "EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_STATEMENT", "TRIGGERS"));
  const std::string prefix = "zs_check_", suffix = "_bi", label = kMariadbCheckTriggerLabel;
  const std::string head = "IF (SELECT (", tail = "\n) FROM (SELECT ", row_end = ") zs_row)";
  for (int row = 0; row < rows.size(); ++row) {
    Table* table = MariadbOwner(tables, database, rows, row);
    const std::string name = rows.Get(row, 2), body = rows.Get(row, 3);
    if (table == nullptr || !name.starts_with(prefix) || !name.ends_with(suffix) ||
        name.size() <= prefix.size() + suffix.size() || !body.starts_with(label)) {
      continue;
    }
    size_t begin = body.find(head), end = body.find(tail);
    size_t aliases_end = body.find(row_end, end == std::string::npos ? 0 : end);
    if (begin == std::string::npos || end == std::string::npos || end < begin ||
        aliases_end == std::string::npos) {
      continue;  // not the shape zeroshift writes
    }
    std::vector<std::string> columns;
    const std::string aliases = body.substr(end, aliases_end - end);
    static const std::regex kAlias("NEW\\.`((?:[^`]|``)*)`");
    for (auto it = std::sregex_iterator(aliases.begin(), aliases.end(), kAlias);
         it != std::sregex_iterator(); ++it) {
      std::string column = std::regex_replace((*it)[1].str(), std::regex("``"), "`");
      if (std::find(columns.begin(), columns.end(), column) == columns.end()) {
        columns.push_back(column);
      }
    }
    std::string constraint = MariadbCheckNameInMessage(body);
    if (constraint.empty()) {
      constraint = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    }
    table->constraints.push_back({.name = std::move(constraint),
                                  .type = 'c',
                                  .columns = std::move(columns),
                                  .definition = body});
  }
  return Status::Ok();
}

void MariadbSortByName(Schema& schema) {
  for (Table& table : schema.tables) {
    std::sort(table.constraints.begin(), table.constraints.end(),
              [](const Constraint& a, const Constraint& b) { return a.name < b.name; });
    std::sort(table.indexes.begin(), table.indexes.end(),
              [](const Index& a, const Index& b) { return a.name < b.name; });
  }
}

}  // namespace

Result<Schema> ReadMariadbSchema(mysql::Connection& conn, const std::string& database) {
  ZS_RETURN_IF_ERROR(MariadbCheckDatabaseExists(conn, database));
  Schema schema;
  schema.name = database;
  ZS_ASSIGN_OR_RETURN(MariadbTablesByName tables, MariadbReadTables(conn, schema));
  ZS_RETURN_IF_ERROR(MariadbReadColumns(conn, database, tables));
  ZS_RETURN_IF_ERROR(MariadbReadIndexes(conn, database, tables));
  ZS_RETURN_IF_ERROR(MariadbReadForeignKeys(conn, database, tables));
  ZS_RETURN_IF_ERROR(MariadbReadChecks(conn, database, tables));
  ZS_RETURN_IF_ERROR(MariadbReadCheckTriggers(conn, database, tables));
  MariadbSortByName(schema);
  return schema;
}

}  // namespace zs::schema
