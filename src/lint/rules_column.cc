// Column rules: add-column-volatile-default, add-column-generated-stored,
// add-column-not-null-without-default, alter-column-type-rewrite.
#include <fmt/format.h>

#include "lint/analysis.h"
#include "lint/check.h"
#include "lint/rules.h"
#include "lint/sql_text.h"
#include "lint/tree.h"

namespace zs::lint {
namespace {

// "UPDATE t SET c = <value> WHERE ctid = ANY (ARRAY(SELECT ctid ... LIMIT n))",
// to repeat until it updates nothing.
std::string BatchedFill(const std::string& table, const std::string& column,
                        const std::string& value) {
  return fmt::format(
      "-- then, repeated in separate transactions until it updates 0 rows:\n"
      "UPDATE {0} SET {1} = {2} WHERE ctid = ANY (ARRAY(SELECT ctid FROM {0} WHERE {1} IS NULL "
      "LIMIT {3}));",
      table, column, value, kSuggestedBatchRows);
}

std::string ColumnType(const Context& ctx, const ColumnDefFacts& column, JsonValue def) {
  std::string written = TypeText(ctx.stmt, def["typeName"]);
  if (!written.empty() && !column.type.serial) return written;
  TypeRef plain = column.type;
  plain.serial = false;
  return plain.Display();
}

void CheckVolatileDefault(Context& ctx, const RelationName& rel, JsonValue def,
                          const ColumnDefFacts& column) {
  std::string table = rel.Display();
  std::string col = SqlIdent(column.name);
  std::string type = ColumnType(ctx, column, def);
  if (column.type.serial || column.identity.exists()) {
    bool identity = column.identity.exists();
    std::string seq = SqlIdent(rel.key() + "_" + column.name + "_seq");
    ctx.Report(
        "add-column-volatile-default",
        identity ? ctx.stmt.OffsetOf(column.identity) : ctx.stmt.OffsetOf(def["typeName"]),
        fmt::format("ADD COLUMN {} {} fills every existing row of {} from a sequence (nextval() "
                    "is VOLATILE): the table and all its indexes are rewritten under ACCESS "
                    "EXCLUSIVE",
                    col, identity ? "GENERATED AS IDENTITY" : "with a serial type", table),
        "add the column without a default, create the sequence and SET DEFAULT nextval(...) for "
        "new rows, then number existing rows in batches",
        fmt::format("ALTER TABLE {0} ADD COLUMN {1} {2};\nCREATE SEQUENCE {3} OWNED BY {0}.{1};\n"
                    "ALTER TABLE {0} ALTER COLUMN {1} SET DEFAULT nextval('{3}');\n{4}",
                    table, col, type, seq,
                    BatchedFill(table, col, fmt::format("nextval('{}')", seq))));
    return;
  }
  if (!column.default_expr.exists()) return;
  std::optional<VolatileCall> call =
      FindVolatileCall(ctx.stmt, column.default_expr, ctx.state, ctx.catalog);
  if (!call) return;
  std::string why =
      call->unknown_function
          ? fmt::format(
                "{}() is not a built-in function, and functions are VOLATILE unless "
                "declared IMMUTABLE or STABLE",
                call->name)
      : call->origin == "pg_catalog"
          ? fmt::format("{}() is VOLATILE in pg_proc", call->name)
          : fmt::format("{}() is VOLATILE ({})", call->name,
                        call->origin == "this migration" ? "created by these migrations"
                                                         : "extension " + call->origin);
  std::string value = ExpressionText(ctx.stmt, column.default_expr);
  std::string rewrite;
  if (!value.empty() && !column.not_null) {
    rewrite = fmt::format(
        "ALTER TABLE {0} ADD COLUMN {1} {2};\nALTER TABLE {0} ALTER COLUMN {1} "
        "SET DEFAULT {3};\n{4}",
        table, col, type, value, BatchedFill(table, col, value));
  }
  ctx.Report("add-column-volatile-default", call->offset,
             fmt::format("ADD COLUMN {} with DEFAULT {}(...) rewrites {} and all its indexes "
                         "under ACCESS EXCLUSIVE: {}, so it is evaluated for every existing row",
                         col, call->name, table, why),
             "add the column without the default (instant), SET DEFAULT for new rows, then fill "
             "existing rows in batches" +
                 std::string(column.not_null ? "; add NOT NULL afterwards through a validated "
                                               "CHECK (col IS NOT NULL)"
                                             : ""),
             rewrite);
}

void CheckAddColumn(Context& ctx, const RelationName& rel, JsonValue def) {
  ColumnDefFacts column = ReadColumnDef(def);
  std::string table = rel.Display();
  std::string col = SqlIdent(column.name);
  if (column.generated.exists()) {
    ctx.Report("add-column-generated-stored", ctx.stmt.OffsetOf(column.generated),
               fmt::format("ADD COLUMN {} GENERATED ALWAYS AS (...) STORED computes the value "
                           "for every row of {}: a full rewrite under ACCESS EXCLUSIVE",
                           col, table),
               "add a plain nullable column kept up to date by a BEFORE INSERT OR UPDATE "
               "trigger, fill existing rows in batches; or compute it in a view");
    return;
  }
  CheckVolatileDefault(ctx, rel, def, column);
  bool fills_itself =
      column.default_expr.exists() || column.identity.exists() || column.type.serial;
  if (column.not_null && !fills_itself) {
    std::string type = ColumnType(ctx, column, def);
    ctx.Report(
        "add-column-not-null-without-default",
        ctx.stmt.OffsetOf(column.not_null_constraint.exists() ? column.not_null_constraint
                                                              : column.unique_constraint),
        fmt::format("ADD COLUMN {} ... NOT NULL without a default fails (SQLSTATE 23502) as "
                    "soon as {} has a row",
                    col, table),
        "give it a non-volatile DEFAULT (instant since PostgreSQL 11), or add it nullable, fill "
        "it in batches, and SET NOT NULL through a validated CHECK (col IS NOT NULL)",
        fmt::format("ALTER TABLE {0} ADD COLUMN {1} {2};\n-- fill {1} in batches, then:\n"
                    "ALTER TABLE {0} ADD CONSTRAINT {3} CHECK ({1} IS NOT NULL) NOT VALID;\n"
                    "ALTER TABLE {0} VALIDATE CONSTRAINT {3};\n"
                    "ALTER TABLE {0} ALTER COLUMN {1} SET NOT NULL;\n"
                    "ALTER TABLE {0} DROP CONSTRAINT {3};",
                    table, col, type, SqlIdent(rel.key() + "_" + column.name + "_not_null")));
  }
}

void CheckTypeChange(Context& ctx, const RelationName& rel, JsonValue cmd) {
  TypeChange change = AlterTypeVerdict(cmd, rel.key(), ctx.state, ctx.catalog);
  if (change.rewrite == Rewrite::kNo) return;
  std::string col = SqlIdent(cmd["name"].str());
  bool maybe = change.rewrite == Rewrite::kMaybe;
  ctx.Report("alter-column-type-rewrite", ctx.stmt.OffsetOf(cmd["def"].inner()),
             fmt::format("ALTER COLUMN {} TYPE {} {} {} and {} its indexes under ACCESS "
                         "EXCLUSIVE: the change {}",
                         col, TypeFromNode(cmd["def"].inner()["typeName"]).Display(),
                         maybe ? "may rewrite" : "rewrites", rel.Display(),
                         maybe ? "rebuild" : "rebuilds", change.reason),
             "add a column of the new type, keep both in sync with a trigger, fill it in "
             "batches, move readers over, then drop the old column: zeroshift alter_column with "
             "`type` and `up`/`down` does exactly that",
             "", maybe ? std::optional(Severity::kWarning) : std::nullopt);
}

}  // namespace

void CheckColumnRules(Context& ctx) {
  if (ctx.stmt.type != "AlterTableStmt") return;
  RelationName rel = Relation(ctx.stmt.body["relation"]);
  if (ctx.state.IsNewTable(rel.key())) return;
  for (JsonValue wrapped : ctx.stmt.body["cmds"]) {
    JsonValue cmd = wrapped.inner();
    std::string_view subtype = cmd["subtype"].str();
    if (subtype == "AT_AddColumn") {
      CheckAddColumn(ctx, rel, cmd["def"].inner());
    } else if (subtype == "AT_AlterColumnType") {
      CheckTypeChange(ctx, rel, cmd);
    }
  }
}

}  // namespace zs::lint
