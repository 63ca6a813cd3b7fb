// unbatched-dml: UPDATE or DELETE over a whole table, or over a part its
// WHERE clause does not bound to a key range or a batch.
#include <fmt/format.h>

#include <map>

#include "lint/check.h"
#include "lint/rules.h"
#include "lint/sql_text.h"
#include "lint/tree.h"

namespace zs::lint {
namespace {

std::string ColumnOf(JsonValue node) {
  if (node.type() != "ColumnRef") return "";
  std::vector<std::string_view> fields = StringList(node.inner()["fields"]);
  return fields.empty() ? "" : std::string(fields.back());
}

struct Bounds {
  bool lower = false;
  bool upper = false;
};

// Records `col < x`-style comparisons (either side) into `bounds`.
void CollectRange(JsonValue expr, std::map<std::string, Bounds>& bounds) {
  if (expr.type() != "A_Expr") return;
  JsonValue e = expr.inner();
  if (e["kind"].str() != "AEXPR_OP") return;
  std::string_view op = StringNode(e["name"].front());
  std::string left = ColumnOf(e["lexpr"]);
  std::string right = ColumnOf(e["rexpr"]);
  if (left.empty() == right.empty()) return;
  bool column_left = !left.empty();
  bool less = op == "<" || op == "<=";
  bool greater = op == ">" || op == ">=";
  if (!less && !greater) return;
  Bounds& b = bounds[column_left ? left : right];
  // col < x and x > col both bound col from above.
  if (less == column_left) {
    b.upper = true;
  } else {
    b.lower = true;
  }
}

// True when `expr` limits the rows to a key, a list, a range or a batch.
// Iterative over AND/OR trees through an explicit stack of pending checks is
// not needed: the depth of this recursion is bounded by the statement's
// weight, and the linter runs on a large stack.
bool Bounded(JsonValue expr, int depth = 0) {
  if (depth > 200) return false;
  std::string_view type = expr.type();
  JsonValue e = expr.inner();
  if (type == "BoolExpr") {
    std::string_view op = e["boolop"].str();
    if (op == "AND_EXPR") {
      std::map<std::string, Bounds> bounds;
      for (JsonValue arg : e["args"]) {
        if (Bounded(arg, depth + 1)) return true;
        CollectRange(arg, bounds);
      }
      for (const auto& [column, b] : bounds) {
        if (b.lower && b.upper) return true;
      }
      return false;
    }
    if (op == "OR_EXPR") {
      for (JsonValue arg : e["args"]) {
        if (!Bounded(arg, depth + 1)) return false;
      }
      return e["args"].size() > 0;
    }
    return false;
  }
  if (type == "A_Expr") {
    std::string_view kind = e["kind"].str();
    std::string_view op = StringNode(e["name"].front());
    if (kind == "AEXPR_BETWEEN" || kind == "AEXPR_BETWEEN_SYM") return true;
    if (kind == "AEXPR_IN") return op == "=";
    if ((kind == "AEXPR_OP" || kind == "AEXPR_OP_ANY") && op == "=") {
      bool left = !ColumnOf(e["lexpr"]).empty();
      bool right = !ColumnOf(e["rexpr"]).empty();
      return left != right;
    }
    return false;
  }
  if (type == "SubLink") {
    if (e["subLinkType"].str() != "ANY_SUBLINK") return false;
    return e["subselect"].inner()["limitCount"].exists();
  }
  return type == "CurrentOfExpr";
}

// The batched form of an UPDATE whose SET values do not read the columns it sets.
std::string BatchedUpdate(const Context& ctx, const RelationName& rel, JsonValue where) {
  JsonValue body = ctx.stmt.body;
  if (body["fromClause"].size() > 0 || body["withClause"].exists() ||
      body["returningList"].size() > 0) {
    return "";
  }
  std::vector<std::string> assignments;
  std::vector<std::string> targets;
  for (JsonValue wrapped : body["targetList"]) {
    JsonValue target = wrapped.inner();
    if (target["indirection"].exists() || target["val"].type() == "SetToDefault" ||
        target["val"].type() == "MultiAssignRef") {
      return "";
    }
    std::string value = ExpressionText(ctx.stmt, target["val"]);
    if (value.empty()) return "";
    assignments.push_back(SqlIdent(target["name"].str()) + " = " + value);
    targets.push_back(std::string(target["name"].str()));
  }
  std::string condition = where.exists() ? ExpressionText(ctx.stmt, where) : "";
  if (where.exists() && condition.empty()) return "";
  std::string set;
  for (size_t i = 0; i < assignments.size(); ++i) set += (i ? ", " : "") + assignments[i];
  std::string table = rel.Display();
  return fmt::format(
      "-- one batch per transaction, by primary key (id here); repeat with the last id "
      "returned until no row is returned:\n"
      "UPDATE {0} SET {1}\nWHERE id IN (SELECT id FROM {0} WHERE id > :last_id{2} ORDER BY id "
      "LIMIT {3})\nRETURNING id;",
      table, set, condition.empty() ? "" : " AND (" + condition + ")", kSuggestedBatchRows);
}

std::string BatchedDelete(const Context& ctx, const RelationName& rel, JsonValue where) {
  if (ctx.stmt.body["usingClause"].size() > 0 || ctx.stmt.body["withClause"].exists() ||
      ctx.stmt.body["returningList"].size() > 0) {
    return "";
  }
  std::string condition = where.exists() ? ExpressionText(ctx.stmt, where) : "";
  if (where.exists() && condition.empty()) return "";
  std::string table = rel.Display();
  return fmt::format(
      "-- one batch per transaction; repeat until it deletes 0 rows:\n"
      "DELETE FROM {0} WHERE id IN (SELECT id FROM {0}{1} ORDER BY id LIMIT {2});",
      table, condition.empty() ? "" : " WHERE " + condition, kSuggestedBatchRows);
}

}  // namespace

void CheckDataRules(Context& ctx) {
  bool update = ctx.stmt.type == "UpdateStmt";
  if (!update && ctx.stmt.type != "DeleteStmt") return;
  RelationName rel = Relation(ctx.stmt.body["relation"]);
  if (ctx.state.IsNewTable(rel.key())) return;
  JsonValue where = ctx.stmt.body["whereClause"];
  if (where.exists() && Bounded(where)) return;
  std::string verb = update ? "UPDATE" : "DELETE";
  std::string scope = where.exists()
                          ? fmt::format(
                                "the rows of {} its WHERE clause selects (not bounded "
                                "to a key, a key range or a LIMITed batch)",
                                rel.Display())
                          : fmt::format("every row of {} (no WHERE clause)", rel.Display());
  ctx.Report("unbatched-dml", ctx.stmt.begin,
             fmt::format("{} of {}, in one statement: every touched row stays locked until it "
                         "commits, and all of them go to the WAL and become dead rows at once "
                         "(replicas fall behind, autovacuum lags)",
                         verb, scope),
             "work in batches of about a thousand rows by key, each in its own transaction, "
             "until none is left (zeroshift backfills added columns this way, throttled)",
             update ? BatchedUpdate(ctx, rel, where) : BatchedDelete(ctx, rel, where));
}

}  // namespace zs::lint
