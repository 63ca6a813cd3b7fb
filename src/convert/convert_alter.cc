// ALTER TABLE and UPDATE: columns, constraints and the fills that give
// added columns their `up` and dropped ones their `down`.
#include <fmt/format.h>

#include <algorithm>

#include "convert/converter.h"
#include "lint/analysis.h"
#include "lint/sql_text.h"
#include "lint/tree.h"
#include "lint/types.h"

namespace zs::convert::internal {

using migration::Operation;

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

}  // namespace zs::convert::internal
