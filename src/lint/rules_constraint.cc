// Constraint rules: check-without-not-valid, foreign-key-without-not-valid,
// unique-without-using-index, set-not-null-without-check.
#include <fmt/format.h>

#include "lint/analysis.h"
#include "lint/check.h"
#include "lint/sql_text.h"
#include "lint/tree.h"

namespace zs::lint {
namespace {

constexpr size_t kMaxIdentifier = 63;

std::string Truncate(std::string name) {
  if (name.size() > kMaxIdentifier) name.resize(kMaxIdentifier);
  return name;
}

std::string JoinColumns(const std::vector<std::string_view>& columns, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) out += sep;
    out += columns[i];
  }
  return out;
}

std::string QuotedColumns(const std::vector<std::string_view>& columns) {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) out += ", ";
    out += SqlIdent(columns[i]);
  }
  return out;
}

// PostgreSQL's default name for a CHECK: <table>_<first column>_check.
std::string DefaultCheckName(const std::string& table, JsonValue expr) {
  std::string column;
  expr.ForEachDescendant([&](JsonValue v) {
    if (!column.empty() || v.key() != "ColumnRef") return;
    std::vector<std::string_view> fields = StringList(v["fields"]);
    if (!fields.empty()) column = std::string(fields.back());
  });
  return Truncate(column.empty() ? table + "_check" : table + "_" + column + "_check");
}

bool SingleCommand(const Context& ctx) { return ctx.stmt.body["cmds"].size() == 1; }

// "ALTER TABLE t ADD [CONSTRAINT name] ... NOT VALID;" and its VALIDATE, or ""
// when the statement has other subcommands too.
std::string NotValidRewrite(const Context& ctx, JsonValue constraint, const std::string& name,
                            std::string_view object, const std::string& target) {
  if (ctx.stmt.type == "AlterTableStmt" && !SingleCommand(ctx)) return "";
  std::string body(StatementBody(ctx.stmt));
  if (!constraint["conname"].exists()) {
    uint32_t at = ctx.stmt.OffsetOf(constraint) - ctx.stmt.begin;
    if (at > body.size()) return "";
    body.insert(at, "CONSTRAINT " + SqlIdent(name) + " ");
  }
  std::string between = ctx.InTransaction() ? "COMMIT;\n" : "";
  return fmt::format("{} NOT VALID;\n{}ALTER {} {} VALIDATE CONSTRAINT {};", body, between, object,
                     target, SqlIdent(name));
}

void CheckAddConstraint(Context& ctx, const RelationName& rel, JsonValue c) {
  std::string_view type = c["contype"].str();
  std::string table = rel.key();
  std::string name(c["conname"].str());
  bool validates = !c["skip_validation"].is_true();
  if (type == "CONSTR_CHECK" && validates) {
    if (name.empty()) name = DefaultCheckName(table, c["raw_expr"]);
    ctx.Report("check-without-not-valid", ctx.stmt.OffsetOf(c),
               fmt::format("ADD CONSTRAINT {} CHECK on {} without NOT VALID checks every row "
                           "while holding ACCESS EXCLUSIVE: no reads or writes until the scan "
                           "ends",
                           SqlIdent(name), rel.Display()),
               "add it NOT VALID (instant; new rows are checked from then on), then VALIDATE "
               "CONSTRAINT in its own transaction: that scan takes SHARE UPDATE EXCLUSIVE, "
               "which lets reads and writes go on",
               NotValidRewrite(ctx, c, name, "TABLE", rel.Display()));
  } else if (type == "CONSTR_FOREIGN" && validates) {
    std::vector<std::string_view> columns = StringList(c["fk_attrs"]);
    if (name.empty()) name = Truncate(table + "_" + JoinColumns(columns, "_") + "_fkey");
    RelationName referenced = Relation(c["pktable"]);
    ctx.Report("foreign-key-without-not-valid", ctx.stmt.OffsetOf(c),
               fmt::format("ADD FOREIGN KEY {} on {} without NOT VALID checks every row of {} "
                           "while writes to {} and {} are blocked (SHARE ROW EXCLUSIVE on both)",
                           SqlIdent(name), rel.Display(), rel.Display(), rel.Display(),
                           referenced.Display()),
               "add it NOT VALID (instant), then VALIDATE CONSTRAINT in its own transaction "
               "(SHARE UPDATE EXCLUSIVE: writes go on)",
               NotValidRewrite(ctx, c, name, "TABLE", rel.Display()));
  } else if ((type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY") && !c["indexname"].exists()) {
    bool pk = type == "CONSTR_PRIMARY";
    std::vector<std::string_view> keys = StringList(c["keys"]);
    if (name.empty()) {
      name = Truncate(pk ? table + "_pkey" : table + "_" + JoinColumns(keys, "_") + "_key");
    }
    std::string kind = pk ? "PRIMARY KEY" : "UNIQUE";
    std::string rewrite;
    if (!keys.empty() && SingleCommand(ctx) && !c["including"].exists() && !c["options"].exists() &&
        !c["nulls_not_distinct"].is_true()) {
      rewrite = fmt::format(
          "CREATE UNIQUE INDEX CONCURRENTLY {} ON {} ({});\nALTER TABLE {} ADD CONSTRAINT {} {} "
          "USING INDEX {};",
          SqlIdent(name), rel.Display(), QuotedColumns(keys), rel.Display(), SqlIdent(name), kind,
          SqlIdent(name));
    }
    ctx.Report(
        "unique-without-using-index", ctx.stmt.OffsetOf(c),
        fmt::format("ADD {} on {} builds its index while holding ACCESS EXCLUSIVE: no "
                    "reads or writes on {} until the build ends",
                    kind, rel.Display(), rel.Display()),
        fmt::format("CREATE UNIQUE INDEX CONCURRENTLY first (outside a transaction), then "
                    "ADD CONSTRAINT ... {} USING INDEX, which is instant{}",
                    kind,
                    pk ? " once the columns are NOT NULL (otherwise it scans to set them)" : ""),
        rewrite);
  } else if (type == "CONSTR_EXCLUSION") {
    ctx.Report("unique-without-using-index", ctx.stmt.OffsetOf(c),
               fmt::format("ADD EXCLUDE on {} builds its index while holding ACCESS EXCLUSIVE, "
                           "and an exclusion constraint cannot be added USING INDEX",
                           rel.Display()),
               "add it while the table is small, or enforce the rule another way (a trigger, "
               "or a unique index on a derived column built CONCURRENTLY)");
  }
}

void CheckColumnConstraints(Context& ctx, const RelationName& rel, JsonValue def) {
  ColumnDefFacts column = ReadColumnDef(def);
  std::string col = SqlIdent(column.name);
  if (column.check_constraint.exists()) {
    ctx.Report("check-without-not-valid", ctx.stmt.OffsetOf(column.check_constraint),
               fmt::format("ADD COLUMN {} with a CHECK constraint scans every row of {} while "
                           "holding ACCESS EXCLUSIVE",
                           col, rel.Display()),
               "add the column without the CHECK, then ADD CONSTRAINT ... CHECK (...) NOT VALID "
               "and VALIDATE CONSTRAINT in its own transaction");
  }
  if (column.foreign_key.exists()) {
    ctx.Report("foreign-key-without-not-valid", ctx.stmt.OffsetOf(column.foreign_key),
               fmt::format("ADD COLUMN {} REFERENCES {} validates the new foreign key against "
                           "every row of {} while holding ACCESS EXCLUSIVE",
                           col, Relation(column.foreign_key["pktable"]).Display(), rel.Display()),
               "add the column without REFERENCES, then ADD CONSTRAINT ... FOREIGN KEY ... NOT "
               "VALID and VALIDATE CONSTRAINT in its own transaction");
  }
  if (column.unique_constraint.exists()) {
    bool pk = column.unique_constraint["contype"].str() == "CONSTR_PRIMARY";
    ctx.Report("unique-without-using-index", ctx.stmt.OffsetOf(column.unique_constraint),
               fmt::format("ADD COLUMN {} {} builds a unique index on {} while holding ACCESS "
                           "EXCLUSIVE",
                           col, pk ? "PRIMARY KEY" : "UNIQUE", rel.Display()),
               fmt::format("add the column, CREATE UNIQUE INDEX CONCURRENTLY on it, then ADD "
                           "CONSTRAINT ... {} USING INDEX",
                           pk ? "PRIMARY KEY" : "UNIQUE"));
  }
}

void CheckSetNotNull(Context& ctx, const RelationName& rel, JsonValue cmd) {
  std::string column(cmd["name"].str());
  if (ctx.state.schema->not_null_proven.count({rel.key(), column})) return;
  std::string name = Truncate(rel.key() + "_" + column + "_not_null");
  std::string table = rel.Display();
  std::string col = SqlIdent(column);
  std::string between = ctx.InTransaction() ? "COMMIT;\n" : "";
  ctx.Report(
      "set-not-null-without-check", ctx.stmt.begin,
      fmt::format("ALTER COLUMN {} SET NOT NULL scans all of {} under ACCESS EXCLUSIVE to "
                  "prove there is no NULL: no reads or writes until it ends",
                  col, table),
      "prove it first with a CHECK (col IS NOT NULL) added NOT VALID and validated in its own "
      "transaction; SET NOT NULL then uses that constraint and skips the scan (PostgreSQL 12+), "
      "after which the CHECK can go",
      fmt::format("ALTER TABLE {0} ADD CONSTRAINT {1} CHECK ({2} IS NOT NULL) NOT VALID;\n{3}"
                  "ALTER TABLE {0} VALIDATE CONSTRAINT {1};\n{3}"
                  "ALTER TABLE {0} ALTER COLUMN {2} SET NOT NULL;\n"
                  "ALTER TABLE {0} DROP CONSTRAINT {1};",
                  table, SqlIdent(name), col, between));
}

}  // namespace

void CheckConstraintRules(Context& ctx) {
  if (ctx.stmt.type == "AlterDomainStmt") {
    JsonValue c = ctx.stmt.body["def"].inner();
    if (ctx.stmt.body["subtype"].str() != "C" || c["contype"].str() != "CONSTR_CHECK" ||
        c["skip_validation"].is_true()) {
      return;
    }
    std::vector<std::string_view> names = StringList(ctx.stmt.body["typeName"]);
    std::string domain;
    for (size_t i = 0; i < names.size(); ++i) {
      domain += (i > 0 ? "." : "") + SqlIdent(names[i]);
    }
    std::string name(c["conname"].str());
    if (name.empty()) name = Truncate(std::string(names.empty() ? "" : names.back()) + "_check");
    ctx.Report("check-without-not-valid", ctx.stmt.OffsetOf(c),
               fmt::format("ALTER DOMAIN {} ADD CONSTRAINT without NOT VALID checks every value "
                           "of every column of type {}, in every table, under locks that block "
                           "writes",
                           domain, domain),
               "add it NOT VALID, then ALTER DOMAIN ... VALIDATE CONSTRAINT in its own "
               "transaction",
               NotValidRewrite(ctx, c, name, "DOMAIN", domain));
    return;
  }
  if (ctx.stmt.type != "AlterTableStmt") return;
  RelationName rel = Relation(ctx.stmt.body["relation"]);
  if (ctx.state.IsNewTable(rel.key())) return;
  for (JsonValue wrapped : ctx.stmt.body["cmds"]) {
    JsonValue cmd = wrapped.inner();
    std::string_view subtype = cmd["subtype"].str();
    if (subtype == "AT_AddConstraint") {
      CheckAddConstraint(ctx, rel, cmd["def"].inner());
    } else if (subtype == "AT_AddColumn") {
      CheckColumnConstraints(ctx, rel, cmd["def"].inner());
    } else if (subtype == "AT_SetNotNull") {
      CheckSetNotNull(ctx, rel, cmd);
    }
  }
}

}  // namespace zs::lint
