// SQL texts checked as statements: whole statement lists (sql operations),
// fragments completed into one statement (option lists, EXCLUDE elements),
// and statement lists split and classified for the engine.
#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <iterator>
#include <string_view>

#include "sqlcheck/expression.h"
#include "sqlcheck/parse.h"

namespace zs::sqlcheck {
namespace {

bool HasOnlyKeys(JsonValue node, std::initializer_list<std::string_view> allowed) {
  for (JsonValue member : node) {
    if (std::find(allowed.begin(), allowed.end(), member.key()) == allowed.end()) return false;
  }
  return true;
}

bool IsNonEmptyArray(JsonValue node, std::string_view key) {
  return node[key].is_array() && node[key].size() > 0;
}

// Parses prefix + fragment + suffix and asks `shape_ok` whether the tree is
// exactly the statement the fragment is meant to complete.
Status CheckFragment(const std::string& fragment, const std::string& what, const std::string& noun,
                     const std::string& example, const std::string& prefix,
                     const std::string& suffix, bool (*shape_ok)(const sqlparse::ParseTree& tree)) {
  auto reject = [&](const std::string& reason) {
    return InvalidInput(what + ": `" + fragment + "` is not " + noun + ": " + reason + "; write " +
                        example);
  };
  if (IsBlank(fragment)) return reject("it is empty");
  // Embedded raw into DDL: a comment could hide what follows it.
  for (const char* token : {"--", "/*"}) {
    if (fragment.find(token) != std::string::npos) {
      return reject(std::string("it contains a comment (`") + token + "`)");
    }
  }
  Parsed parsed = Parse(prefix + fragment + suffix);
  if (!parsed.ok()) return reject(ParserReason(parsed, prefix.size(), fragment.size()));
  if (!shape_ok(parsed.tree)) return reject("it has text beyond the list");
  return Status::Ok();
}

bool IsIndexOptionList(const sqlparse::ParseTree& tree) {
  JsonValue index = OnlyStatementOfKind(tree, "IndexStmt");
  return index.exists() &&
         HasOnlyKeys(index, {"idxname", "relation", "accessMethod", "indexParams", "options"}) &&
         IsNonEmptyArray(index, "options");
}

bool IsSequenceOptionList(const sqlparse::ParseTree& tree) {
  JsonValue sequence = OnlyStatementOfKind(tree, "CreateSeqStmt");
  return sequence.exists() && HasOnlyKeys(sequence, {"sequence", "options"}) &&
         IsNonEmptyArray(sequence, "options");
}

bool IsLoneExcludeConstraint(const sqlparse::ParseTree& tree) {
  JsonValue create = OnlyStatementOfKind(tree, "CreateStmt");
  if (!create.exists() || !HasOnlyKeys(create, {"relation", "tableElts", "oncommit"})) {
    return false;
  }
  JsonValue elements = create["tableElts"];
  if (!elements.is_array() || elements.size() != 1) return false;
  JsonValue constraint = elements.front()["Constraint"];
  return constraint.is_object() &&
         HasOnlyKeys(constraint, {"contype", "location", "exclusions", "access_method"}) &&
         constraint["contype"].str() == "CONSTR_EXCLUSION";
}

// A DefElem of a statement's option list is on when it has no argument or a
// true one ("REINDEX (CONCURRENTLY)", "(CONCURRENTLY true)").
bool OptionIsOn(JsonValue options, std::string_view name) {
  for (JsonValue item : options) {
    JsonValue def = item["DefElem"];
    if (!def.is_object() || def["defname"].str() != name) continue;
    JsonValue arg = def["arg"];
    if (!arg.is_object()) return true;
    if (arg["Integer"].exists()) return arg["Integer"]["ival"].int_or(0) != 0;
    std::string value(arg["String"]["sval"].str());
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return value != "false" && value != "off" && value != "no" && value != "0";
  }
  return false;
}

bool DetachesConcurrently(JsonValue alter) {
  for (JsonValue cmd : alter["cmds"]) {
    JsonValue at = cmd["AlterTableCmd"];
    if (!at.is_object() || at["subtype"].str() != "AT_DetachPartition") continue;
    if (at["def"]["PartitionCmd"]["concurrent"].is_true()) return true;
  }
  return false;
}

// Statements PostgreSQL runs only outside a transaction block whatever their options.
bool AlwaysOutsideTransaction(std::string_view kind) {
  static constexpr std::string_view kKinds[] = {"CreatedbStmt",        "DropdbStmt",
                                                "AlterSystemStmt",     "CreateTableSpaceStmt",
                                                "DropTableSpaceStmt",  "CreateSubscriptionStmt",
                                                "DropSubscriptionStmt"};
  return std::find(std::begin(kKinds), std::end(kKinds), kind) != std::end(kKinds);
}

void Classify(JsonValue stmt, Statement& out) {
  const std::string_view kind = stmt.type();
  const JsonValue node = stmt.inner();
  if (!node.is_object()) return;
  bool concurrent = false;
  if (kind == "IndexStmt" || kind == "DropStmt") {
    concurrent = node["concurrent"].is_true();
  } else if (kind == "ReindexStmt") {
    concurrent = OptionIsOn(node["params"], "concurrently");
    std::string_view object = node["kind"].str();
    out.outside_transaction = object == "REINDEX_OBJECT_SCHEMA" ||
                              object == "REINDEX_OBJECT_SYSTEM" ||
                              object == "REINDEX_OBJECT_DATABASE";
  } else if (kind == "VacuumStmt") {
    // VACUUM and ANALYZE both take SHARE UPDATE EXCLUSIVE; only VACUUM refuses a transaction.
    out.share_update_exclusive = true;
    out.outside_transaction = node["is_vacuumcmd"].is_true();
  } else if (kind == "AlterTableStmt") {
    concurrent = DetachesConcurrently(node);
  } else if (kind == "ClusterStmt") {
    out.outside_transaction = !node["relation"].exists();
  } else if (kind == "TransactionStmt") {
    out.transaction_control = true;
  }
  out.outside_transaction = out.outside_transaction || concurrent || AlwaysOutsideTransaction(kind);
  out.share_update_exclusive = out.share_update_exclusive || concurrent;
  if (kind == "IndexStmt" && concurrent && !node["if_not_exists"].is_true()) {
    out.index_name = node["idxname"].str();
    out.index_schema = node["relation"]["schemaname"].str();
  }
}

// `text` without surrounding whitespace and leading comments (a comment
// after the previous statement's `;` belongs to that line, not to this statement).
std::string TrimStatement(const std::string& text) {
  size_t begin = 0, end = text.size();
  while (begin < end) {
    if (std::isspace(static_cast<unsigned char>(text[begin])) != 0) {
      ++begin;
    } else if (text.compare(begin, 2, "--") == 0) {
      size_t newline = text.find('\n', begin);
      begin = newline == std::string::npos ? end : newline + 1;
    } else if (text.compare(begin, 2, "/*") == 0) {
      size_t close = text.find("*/", begin + 2);
      begin = close == std::string::npos ? end : close + 2;
    } else {
      break;
    }
  }
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1])) != 0) --end;
  return text.substr(begin, end - begin);
}

}  // namespace

Result<int> ValidateStatements(const std::string& sql, const std::string& what) {
  Parsed parsed = Parse(sql);
  if (!parsed.ok()) {
    std::string where = parsed.cursor > 0 ? " at position " + std::to_string(parsed.cursor) : "";
    return InvalidInput(what + ": the SQL does not parse: " + parsed.error + where +
                        "; fix the statement (each statement ends with `;`)");
  }
  int count = static_cast<int>(parsed.tree.statements().size());
  if (count == 0) {
    return InvalidInput(what + ": no SQL statement found; write at least one statement");
  }
  return count;
}

Status ValidateOptionList(const std::string& options, const std::string& what) {
  return CheckFragment(options, what, "a list of parameters",
                       "`name = value` pairs separated by commas, e.g. `fillfactor = 70`",
                       "CREATE INDEX i ON t (c) WITH (", "\n)", IsIndexOptionList);
}

Status ValidateSequenceOptions(const std::string& options, const std::string& what) {
  return CheckFragment(options, what, "a list of sequence options",
                       "sequence options such as `START WITH 10 INCREMENT BY 5`",
                       "CREATE SEQUENCE s ", "\n", IsSequenceOptionList);
}

Status ValidateExcludeElements(const std::string& elements, const std::string& what) {
  return CheckFragment(elements, what, "a list of exclusion elements",
                       "elements such as `room WITH =, during WITH &&`",
                       "CREATE TABLE t (EXCLUDE (", "\n))", IsLoneExcludeConstraint);
}

Result<std::vector<Statement>> SplitStatements(const std::string& sql, const std::string& what) {
  ZS_RETURN_IF_ERROR(ValidateStatements(sql, what).status());
  Parsed parsed = Parse(sql);
  std::vector<Statement> statements;
  for (const sqlparse::StatementText& part : sqlparse::SplitStatements(parsed.tree, sql)) {
    Statement statement;
    statement.text = TrimStatement(std::string(part.text));
    Classify(part.stmt, statement);
    statements.push_back(std::move(statement));
  }
  return statements;
}

}  // namespace zs::sqlcheck
