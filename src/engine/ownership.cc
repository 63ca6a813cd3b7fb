#include "engine/ownership.h"

#include <fmt/format.h>

#include <cctype>

#include "backend/postgres_backend.h"
#include "ops/names.h"
#include "pg/quote.h"
#include "sqlparse/parser.h"

namespace zs::engine {

namespace {

using sqlparse::JsonValue;
using sqlparse::ParseTree;

// The parse tree of `sql` (zeroshift's own action SQL).
Result<ParseTree> Parse(const std::string& sql) {
  if (sql.find('\0') != std::string::npos) return Internal("action SQL holds a NUL byte");
  sqlparse::SyntaxError error;
  Result<ParseTree> tree = sqlparse::Parse(sql, &error);
  if (!tree.ok()) {
    return Internal(fmt::format("cannot read zeroshift's own SQL to see what it creates: {}",
                                error.message.empty() ? "?" : error.message));
  }
  return tree;
}

std::string Str(JsonValue node, std::string_view key) { return std::string(node[key].str()); }

// The strings of a name list: [{"String": {"sval": "a"}}, ...].
std::vector<std::string> Names(JsonValue list) {
  std::vector<std::string> out;
  for (JsonValue item : list) {
    if (item["String"].exists()) out.push_back(Str(item["String"], "sval"));
  }
  return out;
}

struct Relation {
  std::string schema;
  std::string name;
};

Relation RelationOf(JsonValue node, const std::string& default_schema) {
  JsonValue relation = node["relation"];
  if (!relation.is_object()) return {};
  std::string schema = Str(relation, "schemaname");
  return {schema.empty() ? default_schema : schema, Str(relation, "relname")};
}

ObjectRef Ref(const char* kind, std::string schema, std::string table, const std::string& name) {
  return {.kind = kind,
          .schema = ops::ClipIdentifier(schema),
          .table = ops::ClipIdentifier(table),
          .name = ops::ClipIdentifier(name)};
}

void Created(JsonValue stmt, const std::string& default_schema, std::vector<ObjectRef>& out) {
  const std::string_view type = stmt.type();
  const JsonValue node = stmt.inner();
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
    std::vector<std::string> name = Names(node["funcname"]);
    if (name.empty()) return;
    out.push_back(Ref(kObjFunction, name.size() > 1 ? name[name.size() - 2] : default_schema, "",
                      name.back()));
  } else if (type == "AlterTableStmt") {
    Relation rel = RelationOf(node, default_schema);
    for (JsonValue item : node["cmds"]) {
      JsonValue cmd = item["AlterTableCmd"];
      std::string subtype = Str(cmd, "subtype");
      JsonValue def = cmd["def"];
      if (subtype == "AT_AddColumn" && def["ColumnDef"].exists()) {
        out.push_back(Ref(kObjColumn, rel.schema, rel.name, Str(def["ColumnDef"], "colname")));
      } else if (subtype == "AT_AddConstraint" && def["Constraint"].exists()) {
        std::string name = Str(def["Constraint"], "conname");
        if (!name.empty()) out.push_back(Ref(kObjConstraint, rel.schema, rel.name, name));
      }
    }
  }
}

void Dropped(JsonValue stmt, const std::string& default_schema, std::vector<ObjectRef>& out) {
  const std::string_view type = stmt.type();
  const JsonValue node = stmt.inner();
  if (type == "DropStmt") {
    std::string remove = Str(node, "removeType");
    for (JsonValue object : node["objects"]) {
      if (remove == "OBJECT_SCHEMA") {
        std::string name = Str(object["String"], "sval");
        out.push_back(Ref(kObjSchema, name, "", name));
        continue;
      }
      if (remove == "OBJECT_FUNCTION") {
        auto name = Names(object["ObjectWithArgs"]["objname"]);
        if (name.empty()) continue;
        out.push_back(Ref(kObjFunction, name.size() > 1 ? name[name.size() - 2] : default_schema,
                          "", name.back()));
        continue;
      }
      auto name = Names(object["List"]["items"]);
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
    for (JsonValue item : node["cmds"]) {
      JsonValue cmd = item["AlterTableCmd"];
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
  ZS_ASSIGN_OR_RETURN(ParseTree tree, Parse(sql));
  std::vector<ObjectRef> out;
  for (JsonValue stmt : tree.statements()) Created(stmt["stmt"], default_schema, out);
  return out;
}

Result<std::vector<Statement>> SplitStatements(const std::string& sql,
                                               const std::string& default_schema) {
  ZS_ASSIGN_OR_RETURN(ParseTree tree, Parse(sql));
  std::vector<Statement> out;
  for (const sqlparse::StatementText& part : sqlparse::SplitStatements(tree, sql)) {
    std::string text(part.text);
    size_t begin = text.find_first_not_of(" \t\r\n");
    text = begin == std::string::npos ? "" : text.substr(begin);
    while (!text.empty() &&
           (text.back() == ';' || std::isspace(static_cast<unsigned char>(text.back())))) {
      text.pop_back();
    }
    if (text.empty()) continue;
    Statement statement{.text = text + ";"};
    Dropped(part.stmt, default_schema, statement.drops);
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

Result<bool> TracksObjects(backend::Session& session, const std::string& base_schema,
                           const std::string& name) {
  if (session.backend().kind() != backend::Kind::kPostgres) {
    return Conflict(fmt::format("the ownership records are not implemented on {} yet",
                                session.backend().Name()));
  }
  pg::Connection& conn = backend::PostgresConnection(session);
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn.ExecParams("SELECT coalesce((SELECT (to_jsonb(m) ->> 'tracks_objects')::boolean FROM "
                      "zeroshift.migrations m WHERE m.schema = $1 AND m.name = $2), false)",
                      {base_schema, name}));
  return rows.GetBool(0, 0);
}

}  // namespace zs::engine
