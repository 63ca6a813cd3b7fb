// Index rules: create-index-non-concurrently, drop-index-non-concurrently,
// reindex-non-concurrently.
#include <fmt/format.h>

#include "lint/analysis.h"
#include "lint/check.h"
#include "lint/sql_text.h"
#include "lint/tree.h"

namespace zs::lint {
namespace {

std::string NotInTransactionNote(const Context& ctx) {
  return ctx.InTransaction() ? " It cannot run inside a transaction block: COMMIT first." : "";
}

void CheckCreateIndex(Context& ctx) {
  if (ctx.stmt.type != "IndexStmt" || ctx.stmt.body["concurrent"].is_true()) return;
  RelationName rel = Relation(ctx.stmt.body["relation"]);
  if (ctx.state.IsNewTable(rel.key())) return;
  std::string name(ctx.stmt.body["idxname"].str());
  ctx.Report("create-index-non-concurrently", ctx.stmt.begin,
             fmt::format("CREATE INDEX{} on {} without CONCURRENTLY holds a SHARE lock for the "
                         "whole build: every INSERT, UPDATE and DELETE on {} waits until it ends",
                         name.empty() ? "" : " " + SqlIdent(name), rel.Display(), rel.Display()),
             "CREATE INDEX CONCURRENTLY builds it while writes go on (slower, two scans); if it "
             "fails it leaves an INVALID index to drop before retrying." +
                 NotInTransactionNote(ctx),
             InsertAfterKeyword(ctx.stmt, ctx.stmt.begin, "INDEX", " CONCURRENTLY"));
}

void CheckDropIndex(Context& ctx) {
  if (ctx.stmt.type != "DropStmt" || ctx.stmt.body["removeType"].str() != "OBJECT_INDEX" ||
      ctx.stmt.body["concurrent"].is_true()) {
    return;
  }
  std::vector<std::string> names;
  bool all_new = true;
  for (JsonValue object : ctx.stmt.body["objects"]) {
    std::vector<std::string_view> parts = StringList(object.inner()["items"]);
    if (parts.empty()) continue;
    std::string name(parts.back());
    names.push_back(SqlIdent(name));
    if (!ctx.state.file.created_indexes.count(name)) all_new = false;
  }
  if (names.empty() || all_new) return;
  std::string table = "its table";
  if (!ctx.effect.locks.empty()) table = ctx.effect.locks.front().display;
  bool several = names.size() > 1;
  bool cascade = ctx.stmt.body["behavior"].str() == "DROP_CASCADE";
  std::string rewrite;
  if (!several && !cascade) {
    rewrite = InsertAfterKeyword(ctx.stmt, ctx.stmt.begin, "INDEX", " CONCURRENTLY");
  }
  ctx.Report("drop-index-non-concurrently", ctx.stmt.begin,
             fmt::format("DROP INDEX {} without CONCURRENTLY takes ACCESS EXCLUSIVE on {}: "
                         "short, but it queues behind every running query and blocks all that "
                         "come after it",
                         names.front(), table),
             std::string("DROP INDEX CONCURRENTLY") +
                 (several || cascade ? ", one index per statement and without CASCADE" : "") + "." +
                 NotInTransactionNote(ctx),
             rewrite);
}

std::string_view ReindexKeyword(std::string_view kind) {
  if (kind == "REINDEX_OBJECT_INDEX") return "INDEX";
  if (kind == "REINDEX_OBJECT_TABLE") return "TABLE";
  if (kind == "REINDEX_OBJECT_SCHEMA") return "SCHEMA";
  if (kind == "REINDEX_OBJECT_DATABASE") return "DATABASE";
  return "SYSTEM";
}

void CheckReindex(Context& ctx) {
  if (ctx.stmt.type != "ReindexStmt") return;
  if (OptionIsOn(ctx.stmt.body["params"], "concurrently")) return;
  std::string_view keyword = ReindexKeyword(ctx.stmt.body["kind"].str());
  RelationName rel = Relation(ctx.stmt.body["relation"]);
  if (!rel.name.empty() && ctx.state.IsNewTable(rel.key())) return;
  std::string target = rel.name.empty() ? std::string(ctx.stmt.body["name"].str()) : rel.Display();
  if (keyword == "SYSTEM") {
    ctx.Report("reindex-non-concurrently", ctx.stmt.begin,
               "REINDEX SYSTEM rebuilds every system catalog index under locks that block the "
               "whole database",
               "do not run it in a migration; REINDEX the user indexes CONCURRENTLY instead");
    return;
  }
  ctx.Report("reindex-non-concurrently", ctx.stmt.begin,
             fmt::format("REINDEX {} {} without CONCURRENTLY blocks writes to the table, and "
                         "every read that uses the index, until the rebuild ends",
                         keyword, target),
             "REINDEX ... CONCURRENTLY (PostgreSQL 12+) rebuilds alongside the old index." +
                 NotInTransactionNote(ctx),
             InsertAfterKeyword(ctx.stmt, ctx.stmt.begin, keyword, " CONCURRENTLY"));
}

}  // namespace

void CheckIndexRules(Context& ctx) {
  CheckCreateIndex(ctx);
  CheckDropIndex(ctx);
  CheckReindex(ctx);
}

}  // namespace zs::lint
