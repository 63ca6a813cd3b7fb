#include "convert/convert.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "lint/analysis.h"
#include "lint/source.h"
#include "lint/sql_text.h"
#include "lint/tree.h"
#include "lint/types.h"
#include "migration/parser.h"

namespace zs::convert {
namespace {

using lint::JsonValue;
using lint::Statement;
using migration::Operation;

constexpr size_t kMaxIdentifier = 63;

std::string Truncate(std::string name) {
  if (name.size() > kMaxIdentifier) name.resize(kMaxIdentifier);
  return name;
}

std::string ColumnRefName(JsonValue node) {
  if (node.type() != "ColumnRef") return "";
  std::vector<std::string_view> fields = lint::StringList(node.inner()["fields"]);
  return fields.empty() ? "" : std::string(fields.back());
}

std::vector<std::string> ReferencedColumns(JsonValue expr) {
  std::vector<std::string> columns;
  auto take = [&](JsonValue v) {
    std::string name = ColumnRefName(v);
    if (!name.empty() && std::find(columns.begin(), columns.end(), name) == columns.end()) {
      columns.push_back(name);
    }
  };
  take(expr);
  expr.ForEachDescendant(take);
  return columns;
}

std::vector<std::string> Strings(JsonValue list) {
  std::vector<std::string> out;
  for (std::string_view s : lint::StringList(list)) out.emplace_back(s);
  return out;
}

std::string FkAction(std::string_view code) {
  if (code == "r") return "RESTRICT";
  if (code == "c") return "CASCADE";
  if (code == "n") return "SET NULL";
  if (code == "d") return "SET DEFAULT";
  return "NO ACTION";
}

std::string MatchType(std::string_view code) {
  if (code == "f") return "FULL";
  if (code == "p") return "PARTIAL";
  return "SIMPLE";
}

// How an UPDATE filled an added column, for the `down` of a later DROP COLUMN.
struct Fill {
  std::string source;         // the column the value was computed from
  std::string separator_sql;  // split_part(source, <sep>, k): the <sep> literal
  int64_t part = 0;           // k; 0 when the value is not a split_part
  bool copy = false;          // the value is the source column itself, maybe cast
};

Fill DescribeFill(const Statement& stmt, JsonValue value) {
  Fill fill;
  JsonValue plain = value.type() == "TypeCast" ? value.inner()["arg"] : value;
  if (std::string source = ColumnRefName(plain); !source.empty()) {
    fill.source = source;
    fill.copy = true;
    return fill;
  }
  if (value.type() != "FuncCall" || lint::FuncName(value.inner()) != "split_part") return fill;
  JsonValue args = value.inner()["args"];
  if (args.size() != 3) return fill;
  auto it = args.begin();
  std::string source = ColumnRefName(*it);
  ++it;
  JsonValue separator = *it;
  ++it;
  std::optional<int64_t> part = lint::IntConst(*it);
  if (source.empty() || !lint::StringConst(separator) || !part || *part < 1) return fill;
  fill.source = source;
  fill.separator_sql = lint::ExpressionText(stmt, separator);
  fill.part = fill.separator_sql.empty() ? 0 : *part;
  return fill;
}

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

std::string Converter::WhereAt(uint32_t offset) const {
  lint::LineIndex::Position p = lines_.At(offset);
  return fmt::format("{}:{}:{}", file_, p.line, p.column);
}

void Converter::Warn(uint32_t offset, const std::string& message) {
  result_.warnings.push_back(fmt::format("{}: {}", WhereAt(offset), message));
}

std::string Converter::TypeOf(const Statement& stmt, JsonValue type_name) const {
  std::string written = lint::TypeText(stmt, type_name);
  return written.empty() ? lint::TypeFromNode(type_name).Display() : written;
}

void Converter::Add(const Statement& stmt, std::string kind, migration::OperationBody body) {
  Operation op;
  op.kind = std::move(kind);
  op.body = std::move(body);
  lint::LineIndex::Position p = lines_.At(stmt.begin);
  op.location = {file_, p.line, p.column};
  result_.migration.operations.push_back(std::move(op));
}

void Converter::Raw(const Statement& stmt, const std::string& why) {
  migration::OpRawSql op;
  op.up = std::string(lint::StatementBody(stmt));
  Add(stmt, "sql", std::move(op));
  Warn(stmt.begin, fmt::format("`{}` becomes an `sql` operation ({}): it runs as written at "
                               "start, without expand-contract; check it, and give `down` so "
                               "that rollback undoes it",
                               lint::Snippet(stmt.text), why));
}

Status Converter::Run() {
  Status status;
  lint::RunOnLargeStack([&] {
    lint::SplitResult split = lint::SplitStatements(text_);
    for (const lint::Piece& piece : split.pieces) {
      for (const Statement& stmt : lint::ParsePiece(text_, piece)) {
        if (!stmt.parsed()) {
          status = InvalidInput(fmt::format(
              "{}: PostgreSQL's parser rejects this statement: {}; fix it and convert again",
              WhereAt(stmt.error_offset), stmt.error));
          return;
        }
        Convert(stmt);
      }
    }
  });
  ZS_RETURN_IF_ERROR(status);
  if (result_.migration.operations.empty()) {
    return InvalidInput(file_ +
                        ": nothing to convert (no statement besides transaction "
                        "control and settings)");
  }
  return Status::Ok();
}

void Converter::Convert(const Statement& stmt) {
  std::string_view type = stmt.type;
  if (type == "TransactionStmt") {
    if (!noted_transaction_) {
      Warn(stmt.begin,
           "BEGIN/COMMIT left out: zeroshift runs each step in a short transaction "
           "of its own");
    }
    noted_transaction_ = true;
    return;
  }
  if (type == "VariableSetStmt" || (type == "SelectStmt" && !lint::TimeoutChanges(stmt).empty())) {
    if (!noted_settings_) {
      Warn(stmt.begin,
           "session settings (SET ...) left out: zeroshift sets lock_timeout and "
           "statement_timeout on every statement (--lock-timeout, "
           "--statement-timeout)");
    }
    noted_settings_ = true;
    return;
  }
  bool mapped = false;
  if (type == "AlterTableStmt") {
    mapped = ConvertAlterTable(stmt);
  } else if (type == "CreateStmt") {
    mapped = ConvertCreateTable(stmt);
  } else if (type == "IndexStmt") {
    mapped = ConvertIndex(stmt);
  } else if (type == "RenameStmt") {
    mapped = ConvertRename(stmt);
  } else if (type == "DropStmt") {
    mapped = ConvertDrop(stmt);
  } else if (type == "UpdateStmt") {
    mapped = ConvertUpdate(stmt);
    if (!mapped) {
      Raw(stmt,
          "an UPDATE that does not fill a column this file adds runs as one statement, "
          "unbatched");
      return;
    }
  }
  if (!mapped) Raw(stmt, "no zeroshift operation does this");
}

std::optional<migration::Column> Converter::ColumnFrom(const Statement& stmt,
                                                       const std::string& table, JsonValue def) {
  lint::ColumnDefFacts facts = lint::ReadColumnDef(def);
  migration::Column column;
  column.name = facts.name;
  column.type = TypeOf(stmt, def["typeName"]);
  column.nullable = !facts.not_null;
  column.pk = facts.unique_constraint.exists() &&
              facts.unique_constraint["contype"].str() == "CONSTR_PRIMARY";
  column.unique = facts.unique_constraint.exists() && !column.pk;
  if (facts.default_expr.exists()) {
    std::string value = Text(stmt, facts.default_expr);
    if (value.empty()) return std::nullopt;
    column.default_value = value;
  }
  if (facts.check_constraint.exists()) {
    std::string check = Text(stmt, facts.check_constraint["raw_expr"]);
    if (check.empty()) return std::nullopt;
    std::string name(facts.check_constraint["conname"].str());
    column.check = migration::CheckConstraint{
        name.empty() ? Truncate(table + "_" + column.name + "_check") : name, check,
        facts.check_constraint["is_no_inherit"].is_true()};
  }
  if (facts.foreign_key.exists()) {
    JsonValue fk = facts.foreign_key;
    std::vector<std::string> referenced = Strings(fk["pk_attrs"]);
    if (referenced.size() != 1) return std::nullopt;  // REFERENCES t: its key is unknown here
    migration::ForeignKeyReference ref;
    std::string name(fk["conname"].str());
    ref.name = name.empty() ? Truncate(table + "_" + column.name + "_fkey") : name;
    ref.table = lint::Relation(fk["pktable"]).name;
    ref.column = referenced[0];
    ref.match_type = MatchType(fk["fk_matchtype"].str());
    ref.on_delete = FkAction(fk["fk_del_action"].str());
    ref.on_update = FkAction(fk["fk_upd_action"].str());
    ref.deferrable = fk["deferrable"].is_true();
    ref.initially_deferred = fk["initdeferred"].is_true();
    column.references = ref;
  }
  if (facts.generated.exists()) {
    std::string expression = Text(stmt, facts.generated["raw_expr"]);
    if (expression.empty()) return std::nullopt;
    column.generated = migration::GeneratedColumn{expression, std::nullopt};
  } else if (facts.identity.exists()) {
    migration::IdentityOptions identity;
    identity.user_specified_values =
        facts.identity["generated_when"].str() == "d" ? "BY DEFAULT" : "ALWAYS";
    column.generated = migration::GeneratedColumn{"", identity};
  }
  types_[{table, column.name}] = column.type;
  return column;
}

std::optional<migration::OpCreateConstraint> Converter::CreateConstraint(const Statement& stmt,
                                                                         const std::string& table,
                                                                         JsonValue c,
                                                                         bool existing_table) {
  std::string_view type = c["contype"].str();
  migration::OpCreateConstraint op;
  op.table = table;
  op.name = std::string(c["conname"].str());
  if (type == "CONSTR_CHECK") {
    op.type = "check";
    op.check = Text(stmt, c["raw_expr"]);
    if (op.check.empty()) return std::nullopt;
    op.columns = ReferencedColumns(c["raw_expr"]);
    op.no_inherit = c["is_no_inherit"].is_true();
    if (op.name.empty()) {
      op.name = Truncate(table + (op.columns.empty() ? "" : "_" + op.columns[0]) + "_check");
    }
  } else if (type == "CONSTR_FOREIGN") {
    op.type = "foreign_key";
    op.columns = Strings(c["fk_attrs"]);
    migration::TableForeignKeyReference ref;
    ref.table = lint::Relation(c["pktable"]).name;
    ref.columns = Strings(c["pk_attrs"]);
    if (ref.columns.empty()) return std::nullopt;
    ref.match_type = MatchType(c["fk_matchtype"].str());
    ref.on_delete = FkAction(c["fk_del_action"].str());
    ref.on_update = FkAction(c["fk_upd_action"].str());
    op.references = ref;
    if (op.name.empty()) {
      std::string joined;
      for (const std::string& column : op.columns) joined += "_" + column;
      op.name = Truncate(table + joined + "_fkey");
    }
  } else if ((type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY") && !c["indexname"].exists()) {
    bool pk = type == "CONSTR_PRIMARY";
    op.type = pk ? "primary_key" : "unique";
    op.columns = Strings(c["keys"]);
    if (op.name.empty()) {
      std::string joined;
      for (const std::string& column : op.columns) joined += "_" + column;
      op.name = Truncate(pk ? table + "_pkey" : table + joined + "_key");
    }
  } else {
    return std::nullopt;
  }
  if (op.columns.empty()) return std::nullopt;
  for (const std::string& column : op.columns) {
    op.up[column] = column;
    op.down[column] = column;
  }
  if (existing_table && (op.type == "check" || op.type == "foreign_key")) {
    Warn(stmt.OffsetOf(c),
         fmt::format("create_constraint {}: `up` copies the columns unchanged, so rows that "
                     "violate it make complete fail; write `up` to fix such rows",
                     op.name));
  }
  constraints_.insert({table, op.name});
  return op;
}

Converter::Outcome Converter::AlterCommand(
    const Statement& stmt, const std::string& table, JsonValue cmd,
    std::vector<std::pair<std::string, migration::OperationBody>>& ops) {
  std::string_view subtype = cmd["subtype"].str();
  std::string column(cmd["name"].str());
  if (subtype == "AT_AddColumn") {
    std::optional<migration::Column> def = ColumnFrom(stmt, table, cmd["def"].inner());
    if (!def) return Outcome::kUnmapped;
    ops.emplace_back("add_column", migration::OpAddColumn{table, std::move(*def), ""});
    return Outcome::kMapped;
  }
  if (subtype == "AT_DropColumn") {
    ops.emplace_back("drop_column", migration::OpDropColumn{table, column, ""});
    return Outcome::kMapped;
  }
  migration::OpAlterColumn alter;
  alter.table = table;
  alter.column = column;
  alter.up = lint::SqlIdent(column);
  alter.down = lint::SqlIdent(column);
  if (subtype == "AT_AlterColumnType") {
    JsonValue def = cmd["def"].inner();
    alter.type = TypeOf(stmt, def["typeName"]);
    JsonValue using_expr = def["raw_default"];
    if (using_expr.exists()) {
      alter.up = Text(stmt, using_expr);
      if (alter.up.empty()) return Outcome::kUnmapped;
    } else {
      alter.up = fmt::format("CAST({} AS {})", lint::SqlIdent(column), *alter.type);
    }
    auto old = types_.find({table, column});
    if (old != types_.end()) {
      alter.down = fmt::format("CAST({} AS {})", lint::SqlIdent(column), old->second);
    } else {
      Warn(stmt.begin, fmt::format("alter_column {}.{}: `down` is the new column as is, "
                                   "relying on an assignment cast back to the old type; check "
                                   "it",
                                   table, column));
    }
    types_[{table, column}] = *alter.type;
  } else if (subtype == "AT_SetNotNull") {
    alter.nullable = false;
    Warn(stmt.begin, fmt::format("alter_column {}.{} nullable: false: `up` copies the column, "
                                 "so rows where it is NULL make complete fail; write `up` to "
                                 "give them a value, e.g. COALESCE({}, <value>)",
                                 table, column, lint::SqlIdent(column)));
  } else if (subtype == "AT_DropNotNull") {
    alter.nullable = true;
    Warn(stmt.begin, fmt::format("alter_column {}.{} nullable: true: `down` copies the column "
                                 "back, so a NULL written through the new version fails in the "
                                 "old one; write `down` to give those rows a value",
                                 table, column));
  } else if (subtype == "AT_ColumnDefault") {
    JsonValue value = cmd["def"];
    migration::NullableString default_value;
    if (value.exists()) {
      default_value.value = Text(stmt, value);
      if (default_value.value.empty()) return Outcome::kUnmapped;
    } else {
      default_value.is_null = true;
    }
    alter.default_value = default_value;
  } else if (subtype == "AT_AddConstraint") {
    std::optional<migration::OpCreateConstraint> op =
        CreateConstraint(stmt, table, cmd["def"].inner(), true);
    if (!op) return Outcome::kUnmapped;
    ops.emplace_back("create_constraint", std::move(*op));
    return Outcome::kMapped;
  } else if (subtype == "AT_ValidateConstraint") {
    // create_constraint validates at complete.
    return constraints_.count({table, column}) ? Outcome::kSkipped : Outcome::kUnmapped;
  } else if (subtype == "AT_DropConstraint") {
    ops.emplace_back("drop_constraint", migration::OpDropConstraint{table, column, "", ""});
    return Outcome::kMapped;
  } else {
    return Outcome::kUnmapped;
  }
  ops.emplace_back("alter_column", std::move(alter));
  return Outcome::kMapped;
}

bool Converter::ConvertAlterTable(const Statement& stmt) {
  if (stmt.body["objtype"].str() != "OBJECT_TABLE") return false;
  lint::RelationName rel = lint::Relation(stmt.body["relation"]);
  std::vector<std::pair<std::string, migration::OperationBody>> ops;
  for (JsonValue cmd : stmt.body["cmds"]) {
    if (AlterCommand(stmt, rel.name, cmd.inner(), ops) == Outcome::kUnmapped) return false;
  }
  if (!rel.schema.empty() && rel.schema != "public") {
    Warn(stmt.begin, fmt::format("the table is in schema {}: run the migration with --schema {}",
                                 rel.schema, rel.schema));
  }
  for (auto& [kind, body] : ops) {
    if (auto* add = std::get_if<migration::OpAddColumn>(&body)) {
      added_[{rel.name, add->column.name}] = result_.migration.operations.size();
      if (!add->column.nullable && !add->column.default_value && !add->column.generated) {
        Warn(stmt.begin, fmt::format("add_column {}.{} is NOT NULL without a default: give `up` "
                                     "(the value for existing rows)",
                                     rel.name, add->column.name));
      }
    }
    if (auto* drop = std::get_if<migration::OpDropColumn>(&body)) {
      drop->down = DownForDroppedColumn(rel.name, drop->column);
      if (drop->down.empty()) {
        Warn(stmt.begin,
             fmt::format("drop_column {}.{} has no `down`: old clients still running during the "
                         "migration see NULL in it for rows the new version writes; give `down` "
                         "if they need the value",
                         rel.name, drop->column));
      }
    }
    Add(stmt, kind, std::move(body));
  }
  return true;
}

std::string Converter::DownForDroppedColumn(const std::string& table, const std::string& column) {
  std::vector<std::pair<int64_t, std::string>> parts;
  std::string separator;
  std::vector<std::string> copies;
  for (const auto& [key, fill] : fills_) {
    if (key.first != table || fill.source != column) continue;
    if (fill.copy) copies.push_back(key.second);
    if (fill.part > 0) {
      if (!separator.empty() && separator != fill.separator_sql) return "";
      separator = fill.separator_sql;
      parts.emplace_back(fill.part, key.second);
    }
  }
  if (!parts.empty()) {
    std::sort(parts.begin(), parts.end());
    std::string args;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (parts[i].first != static_cast<int64_t>(i + 1)) return "";
      args += fmt::format(", NULLIF({}, '')", lint::SqlIdent(parts[i].second));
    }
    // NULL-safe: empty or NULL parts are skipped, and nothing at all gives NULL.
    return fmt::format("NULLIF(concat_ws({}{}), '')", separator, args);
  }
  if (copies.size() == 1) {
    auto old = types_.find({table, column});
    return old != types_.end()
               ? fmt::format("CAST({} AS {})", lint::SqlIdent(copies[0]), old->second)
               : lint::SqlIdent(copies[0]);
  }
  return "";
}

bool Converter::ConvertUpdate(const Statement& stmt) {
  JsonValue body = stmt.body;
  if (body["fromClause"].size() > 0 || body["withClause"].exists() ||
      body["returningList"].size() > 0) {
    return false;
  }
  std::string table = lint::Relation(body["relation"]).name;
  JsonValue where = body["whereClause"];
  std::string where_null_column;
  if (where.exists()) {
    if (where.type() != "NullTest" || where.inner()["nulltesttype"].str() != "IS_NULL") {
      return false;
    }
    where_null_column = ColumnRefName(where.inner()["arg"]);
  }
  std::vector<std::pair<size_t, std::string>> ups;
  std::vector<std::pair<std::string, Fill>> fills;
  for (JsonValue wrapped : body["targetList"]) {
    JsonValue target = wrapped.inner();
    std::string column(target["name"].str());
    auto it = added_.find({table, column});
    if (target["indirection"].exists() || it == added_.end()) return false;
    auto& add = std::get<migration::OpAddColumn>(result_.migration.operations[it->second].body);
    if (!add.up.empty()) return false;
    std::string value = Text(stmt, target["val"]);
    if (value.empty() || target["val"].type() == "SetToDefault") return false;
    ups.emplace_back(it->second, value);
    fills.emplace_back(column, DescribeFill(stmt, target["val"]));
  }
  if (ups.empty()) return false;
  if (!where_null_column.empty() && std::none_of(fills.begin(), fills.end(), [&](const auto& fill) {
        return fill.first == where_null_column;
      })) {
    return false;
  }
  for (auto& [index, value] : ups) {
    std::get<migration::OpAddColumn>(result_.migration.operations[index].body).up = value;
  }
  for (auto& [column, fill] : fills) fills_[{table, column}] = fill;
  return true;
}

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

}  // namespace

Result<Conversion> ConvertSql(std::string_view text, const std::string& file_name) {
  Converter converter(text, file_name);
  ZS_RETURN_IF_ERROR(converter.Run());
  Conversion conversion = converter.Take();
  conversion.migration.source_file = file_name;
  conversion.migration.raw_json = migration::ToJson(conversion.migration);
  // What convert prints must be what `zeroshift start` reads.
  Result<migration::Migration> reread =
      migration::ParseMigration(ToYaml(conversion.migration), file_name + ".yaml");
  if (!reread.ok()) {
    return Internal(
        fmt::format("{}: the converted migration does not read back ({}); please "
                    "report this with the SQL file",
                    file_name, reread.status().message()));
  }
  return conversion;
}

}  // namespace zs::convert
