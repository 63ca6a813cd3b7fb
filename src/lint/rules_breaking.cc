// Changes that break running clients: rename-column, rename-table,
// drop-column, drop-table.
#include <fmt/format.h>

#include "lint/check.h"
#include "lint/sql_text.h"
#include "lint/tree.h"

namespace zs::lint {
namespace {

void CheckRename(Context& ctx) {
  std::string_view type = ctx.stmt.body["renameType"].str();
  RelationName rel = Relation(ctx.stmt.body["relation"]);
  if (rel.name.empty() || ctx.state.IsNewTable(rel.key())) return;
  std::string to = SqlIdent(ctx.stmt.body["newname"].str());
  if (type == "OBJECT_COLUMN") {
    std::string from = SqlIdent(ctx.stmt.body["subname"].str());
    ctx.Report("rename-column", ctx.stmt.begin,
               fmt::format("RENAME COLUMN {} TO {} on {}: every running client that still uses "
                           "{} fails from the moment this commits",
                           from, to, rel.Display(), from),
               fmt::format("zeroshift rename_column (table: {}, from: {}, to: {}) shows {} to the "
                           "new version through its views while old clients keep {}; the "
                           "physical rename happens at complete",
                           rel.key(), ctx.stmt.body["subname"].str(),
                           ctx.stmt.body["newname"].str(), to, from));
  } else if (type == "OBJECT_TABLE") {
    ctx.Report("rename-table", ctx.stmt.begin,
               fmt::format("RENAME of table {} to {}: every running client that still uses {} "
                           "fails from the moment this commits",
                           rel.Display(), to, rel.Display()),
               fmt::format("zeroshift rename_table (from: {}, to: {}) shows the new name to the "
                           "new version through a view; or keep a view named {} until every "
                           "client has moved",
                           rel.key(), ctx.stmt.body["newname"].str(), rel.Display()));
  }
}

void CheckDropColumn(Context& ctx) {
  RelationName rel = Relation(ctx.stmt.body["relation"]);
  if (ctx.state.IsNewTable(rel.key())) return;
  uint32_t after = ctx.stmt.Offset(rel.location);
  for (JsonValue wrapped : ctx.stmt.body["cmds"]) {
    JsonValue cmd = wrapped.inner();
    if (cmd["subtype"].str() != "AT_DropColumn") continue;
    std::string column = SqlIdent(cmd["name"].str());
    uint32_t at = FindKeyword(ctx.stmt, after, "DROP").value_or(ctx.stmt.begin);
    after = at + 1;
    ctx.Report("drop-column", at,
               fmt::format("DROP COLUMN {} of {}: running clients that read or write {} fail, "
                           "and its data is gone",
                           column, rel.Display(), column),
               fmt::format("first deploy clients that no longer use {}; zeroshift drop_column "
                           "(with `down` to keep filling it for old clients) hides it from the "
                           "new version and drops it at complete",
                           column));
  }
}

void CheckDropTable(Context& ctx) {
  if (ctx.stmt.body["removeType"].str() != "OBJECT_TABLE") return;
  for (JsonValue object : ctx.stmt.body["objects"]) {
    std::vector<std::string_view> names = StringList(object.inner()["items"]);
    if (names.empty()) continue;
    std::string key(names.back());
    if (ctx.state.IsNewTable(key)) continue;
    std::string display;
    for (size_t i = 0; i < names.size(); ++i) display += (i ? "." : "") + SqlIdent(names[i]);
    ctx.Report("drop-table", ctx.stmt.begin,
               fmt::format("DROP TABLE {}: running clients that use it fail, and its data is "
                           "gone",
                           display),
               "first deploy clients that no longer use the table (zeroshift drop_table hides "
               "it from the new version and drops it at complete), and keep a backup");
  }
}

}  // namespace

void CheckBreakingRules(Context& ctx) {
  if (ctx.stmt.type == "RenameStmt") {
    CheckRename(ctx);
  } else if (ctx.stmt.type == "AlterTableStmt") {
    CheckDropColumn(ctx);
  } else if (ctx.stmt.type == "DropStmt") {
    CheckDropTable(ctx);
  }
}

}  // namespace zs::lint
