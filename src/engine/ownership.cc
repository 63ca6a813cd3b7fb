#include "engine/ownership.h"

#include <fmt/format.h>
#include <pg_query.h>

#include <cctype>
#include <memory>

#include <nlohmann/json.hpp>

#include "ops/names.h"
#include "pg/quote.h"

namespace zs::engine {

namespace {

using json = nlohmann::json;

struct ParseResultFree {
  void operator()(PgQueryParseResult* result) const { pg_query_free_parse_result(*result); }
};

// The parse tree of `sql` (zeroshift's own action SQL).
Result<json> Parse(const std::string& sql) {
  if (sql.find('\0') != std::string::npos) return Internal("action SQL holds a NUL byte");
  PgQueryParseResult raw = pg_query_parse(sql.c_str());
  std::unique_ptr<PgQueryParseResult, ParseResultFree> owner(&raw);
  if (raw.error != nullptr) {
    return Internal(fmt::format("cannot read zeroshift's own SQL to see what it creates: {}",
                                raw.error->message != nullptr ? raw.error->message : "?"));
  }
  json tree = json::parse(raw.parse_tree != nullptr ? raw.parse_tree : "", nullptr, false);
  if (tree.is_discarded() || !tree.is_object()) {
    return Internal("libpg_query returned an unreadable parse tree");
  }
  return tree;
}

std::string Str(const json& node, const char* key) {
  auto it = node.find(key);
  return it != node.end() && it->is_string() ? it->get<std::string>() : "";
}

// The strings of a name list: [{"String": {"sval": "a"}}, ...].
std::vector<std::string> Names(const json& list) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (const auto& item : list) {
    if (item.contains("String")) out.push_back(Str(item["String"], "sval"));
  }
  return out;
}

struct Relation {
  std::string schema;
  std::string name;
};

Relation RelationOf(const json& node, const std::string& default_schema) {
  auto it = node.find("relation");
  if (it == node.end() || !it->is_object()) return {};
  std::string schema = Str(*it, "schemaname");
  return {schema.empty() ? default_schema : schema, Str(*it, "relname")};
}

ObjectRef Ref(const char* kind, std::string schema, std::string table, const std::string& name) {
  return {.kind = kind,
          .schema = ops::ClipIdentifier(schema),
          .table = ops::ClipIdentifier(table),
          .name = ops::ClipIdentifier(name)};
}

void Created(const json& stmt, const std::string& default_schema, std::vector<ObjectRef>& out) {
  if (!stmt.is_object() || stmt.empty()) return;
  const std::string type = stmt.begin().key();
  const json& node = stmt.begin().value();
  if (type == "CreateSchemaStmt") {
    out.push_back(Ref(kObjSchema, Str(node, "schemaname"), "", Str(node, "schemaname")));
  } else if (type == "CreateStmt") {
    Relation rel = RelationOf(node, default_schema);
    out.push_back(Ref(kObjTable, rel.schema, "", rel.name));
  } else if (type == "IndexStmt") {
    Relation rel = RelationOf(node, default_schema);
    if (!Str(node, "idxname").empty()) {
      out.push_back(Ref(kObjIndex, rel.schema, "", Str(node, "idxname")));
    }
  } else if (type == "CreateTrigStmt") {
    Relation rel = RelationOf(node, default_schema);
    out.push_back(Ref(kObjTrigger, rel.schema, rel.name, Str(node, "trigname")));
  } else if (type == "CreateFunctionStmt") {
    std::vector<std::string> name = Names(node.value("funcname", json::array()));
    if (name.empty()) return;
    out.push_back(Ref(kObjFunction, name.size() > 1 ? name[name.size() - 2] : default_schema, "",
                      name.back()));
  } else if (type == "AlterTableStmt") {
    Relation rel = RelationOf(node, default_schema);
    for (const auto& item : node.value("cmds", json::array())) {
      const json& cmd = item.value("AlterTableCmd", json::object());
      std::string subtype = Str(cmd, "subtype");
      const json& def = cmd.value("def", json::object());
      if (subtype == "AT_AddColumn" && def.contains("ColumnDef")) {
        out.push_back(Ref(kObjColumn, rel.schema, rel.name, Str(def["ColumnDef"], "colname")));
      } else if (subtype == "AT_AddConstraint" && def.contains("Constraint")) {
        std::string name = Str(def["Constraint"], "conname");
        if (!name.empty()) out.push_back(Ref(kObjConstraint, rel.schema, rel.name, name));
      }
    }
  }
}

void Dropped(const json& stmt, const std::string& default_schema, std::vector<ObjectRef>& out) {
  if (!stmt.is_object() || stmt.empty()) return;
  const std::string type = stmt.begin().key();
  const json& node = stmt.begin().value();
  if (type == "DropStmt") {
    std::string remove = Str(node, "removeType");
    for (const auto& object : node.value("objects", json::array())) {
      if (remove == "OBJECT_SCHEMA") {
        std::string name = object.contains("String") ? Str(object["String"], "sval") : "";
        out.push_back(Ref(kObjSchema, name, "", name));
        continue;
      }
      if (remove == "OBJECT_FUNCTION") {
        auto name =
            Names(object.value("ObjectWithArgs", json::object()).value("objname", json::array()));
        if (name.empty()) continue;
        out.push_back(Ref(kObjFunction, name.size() > 1 ? name[name.size() - 2] : default_schema,
                          "", name.back()));
        continue;
      }
      auto name = Names(object.value("List", json::object()).value("items", json::array()));
      if (name.empty()) continue;
      if (remove == "OBJECT_TRIGGER" && name.size() >= 2) {
        out.push_back(Ref(kObjTrigger, name.size() > 2 ? name[name.size() - 3] : default_schema,
                          name[name.size() - 2], name.back()));
      } else if (remove == "OBJECT_TABLE" || remove == "OBJECT_INDEX") {
        out.push_back(Ref(remove == "OBJECT_TABLE" ? kObjTable : kObjIndex,
                          name.size() > 1 ? name[name.size() - 2] : default_schema, "",
                          name.back()));
      }
    }
  } else if (type == "AlterTableStmt") {
    Relation rel = RelationOf(node, default_schema);
    for (const auto& item : node.value("cmds", json::array())) {
      const json& cmd = item.value("AlterTableCmd", json::object());
      std::string subtype = Str(cmd, "subtype");
      if (subtype == "AT_DropColumn") {
        out.push_back(Ref(kObjColumn, rel.schema, rel.name, Str(cmd, "name")));
      } else if (subtype == "AT_DropConstraint") {
        out.push_back(Ref(kObjConstraint, rel.schema, rel.name, Str(cmd, "name")));
      }
    }
  }
}

// `value` with every `'` doubled, in quotes.
std::string L(const std::string& value) { return pg::QuoteLiteral(value); }

}  // namespace

std::string ObjectRef::Describe() const {
  if (kind == kObjSchema) return fmt::format("schema {}", pg::QuoteIdent(name));
  if (kind == kObjColumn) {
    return fmt::format("column {}.{}", pg::QualifiedName(schema, table), pg::QuoteIdent(name));
  }
  if (kind == kObjConstraint || kind == kObjTrigger) {
    return fmt::format("{} {} on {}", kind, pg::QuoteIdent(name), pg::QualifiedName(schema, table));
  }
  return fmt::format("{} {}", kind, pg::QualifiedName(schema, name));
}

Result<std::vector<ObjectRef>> CreatedObjects(const std::string& sql,
                                              const std::string& default_schema) {
  ZS_ASSIGN_OR_RETURN(json tree, Parse(sql));
  std::vector<ObjectRef> out;
  for (const auto& stmt : tree.value("stmts", json::array())) {
    Created(stmt.value("stmt", json::object()), default_schema, out);
  }
  return out;
}

Result<std::vector<Statement>> SplitStatements(const std::string& sql,
                                               const std::string& default_schema) {
  ZS_ASSIGN_OR_RETURN(json tree, Parse(sql));
  std::vector<Statement> out;
  for (const auto& stmt : tree.value("stmts", json::array())) {
    size_t location = static_cast<size_t>(stmt.value("stmt_location", 0));
    size_t length = static_cast<size_t>(stmt.value("stmt_len", 0));
    if (location > sql.size()) location = sql.size();
    // The last statement's length is 0: it runs to the end of the text.
    std::string text = length == 0 ? sql.substr(location) : sql.substr(location, length);
    size_t begin = text.find_first_not_of(" \t\r\n");
    text = begin == std::string::npos ? "" : text.substr(begin);
    while (!text.empty() &&
           (text.back() == ';' || std::isspace(static_cast<unsigned char>(text.back())))) {
      text.pop_back();
    }
    if (text.empty()) continue;
    Statement statement{.text = text + ";"};
    Dropped(stmt.value("stmt", json::object()), default_schema, statement.drops);
    out.push_back(std::move(statement));
  }
  return out;
}

std::string IdentitySql(const ObjectRef& ref) {
  const std::string in_schema = "n.nspname = " + L(ref.schema);
  if (ref.kind == kObjSchema) {
    return "SELECT n.oid, 0::int2 FROM pg_namespace n WHERE n.nspname = " + L(ref.name);
  }
  if (ref.kind == kObjTable || ref.kind == kObjIndex) {
    return fmt::format(
        "SELECT c.oid, 0::int2 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE {} AND c.relname = {}",
        in_schema, L(ref.name));
  }
  if (ref.kind == kObjFunction) {
    return fmt::format(
        "SELECT p.oid, 0::int2 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE {} AND p.proname = {} AND p.pronargs = 0",
        in_schema, L(ref.name));
  }
  std::string table = fmt::format(
      "(SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {} AND "
      "c.relname = {})",
      in_schema, L(ref.table));
  if (ref.kind == kObjColumn) {
    return fmt::format(
        "SELECT a.attrelid, a.attnum FROM pg_attribute a WHERE a.attrelid = {} AND a.attname = {} "
        "AND a.attnum > 0 AND NOT a.attisdropped",
        table, L(ref.name));
  }
  if (ref.kind == kObjConstraint) {
    return fmt::format(
        "SELECT con.oid, 0::int2 FROM pg_constraint con WHERE con.conrelid = {} AND con.conname "
        "= {}",
        table, L(ref.name));
  }
  return fmt::format(
      "SELECT t.oid, 0::int2 FROM pg_trigger t WHERE t.tgrelid = {} AND t.tgname = {}", table,
      L(ref.name));
}

std::string ExistsSql(const ObjectRef& ref) { return "EXISTS (" + IdentitySql(ref) + ")"; }

std::string RecordedSql(const ObjectRef& ref) {
  return fmt::format(
      "EXISTS (SELECT 1 FROM ({}) AS live(oid, attnum) JOIN zeroshift.created_objects r ON "
      "r.kind = {} AND r.object_oid = live.oid AND r.attnum = live.attnum AND r.name = {})",
      IdentitySql(ref), L(ref.kind), L(ref.name));
}

std::string RecordSql(const std::string& base_schema, const ObjectRef& ref) {
  return fmt::format(
      "INSERT INTO zeroshift.created_objects (schema, migration, kind, object_schema, "
      "table_name, name, object_oid, attnum) SELECT m.schema, m.name, {}, {}, {}, {}, live.oid, "
      "live.attnum FROM ({}) AS live(oid, attnum), zeroshift.migrations m WHERE m.schema = {} "
      "AND NOT m.done ON CONFLICT DO NOTHING;",
      L(ref.kind), L(ref.schema), L(ref.table), L(ref.name), IdentitySql(ref), L(base_schema));
}

std::string ForgetGoneObjectsSql(const std::string& base_schema, const std::string& name,
                                 bool completed) {
  return fmt::format(
      "DELETE FROM zeroshift.created_objects r WHERE r.schema = {} AND (NOT CASE r.kind "
      "WHEN 'schema' THEN EXISTS (SELECT 1 FROM pg_namespace WHERE oid = r.object_oid) "
      "WHEN 'function' THEN EXISTS (SELECT 1 FROM pg_proc WHERE oid = r.object_oid) "
      "WHEN 'constraint' THEN EXISTS (SELECT 1 FROM pg_constraint WHERE oid = r.object_oid) "
      "WHEN 'trigger' THEN EXISTS (SELECT 1 FROM pg_trigger WHERE oid = r.object_oid) "
      "WHEN 'column' THEN EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = r.object_oid "
      "AND attnum = r.attnum AND NOT attisdropped) "
      "ELSE EXISTS (SELECT 1 FROM pg_class WHERE oid = r.object_oid) END{});",
      L(base_schema),
      completed ? fmt::format(" OR (r.migration = {} AND r.kind <> 'schema')", L(name)) : "");
}

Result<bool> TracksObjects(pg::Connection& conn, const std::string& base_schema,
                           const std::string& name) {
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn.ExecParams("SELECT coalesce((SELECT (to_jsonb(m) ->> 'tracks_objects')::boolean FROM "
                      "zeroshift.migrations m WHERE m.schema = $1 AND m.name = $2), false)",
                      {base_schema, name}));
  return rows.GetBool(0, 0);
}

}  // namespace zs::engine
