#include "sqlcheck/expression.h"

#include "sqlcheck/function_calls.h"

#include <pg_query.h>

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace zs::sqlcheck {
namespace {

using nlohmann::json;

// The prefix and suffix that turn an expression into a one-target SELECT. The
// newline before ")" keeps a trailing "-- comment" from swallowing the paren.
constexpr char kWrapPrefix[] = "SELECT (";
constexpr char kWrapSuffix[] = "\n)";
constexpr size_t kMaxIdentifierBytes = 63;
// The deepest parse tree accepted, in JSON levels (about two per level of
// SQL: {"A_Expr": {"lexpr": {"A_Expr": ...}}}).
constexpr size_t kMaxTreeDepth = 2000;

// Frees a libpg_query result however the scope is left.
struct ParseResultDeleter {
  void operator()(PgQueryParseResult* result) const { pg_query_free_parse_result(*result); }
};
using ParseResultPtr = std::unique_ptr<PgQueryParseResult, ParseResultDeleter>;

// The outcome of one libpg_query parse: the JSON tree, or the parser's
// message and its 1-based cursor position in the parsed text (0 if unknown).
struct Parsed {
  json tree;
  std::string error;
  int cursor = 0;
  bool ok() const { return error.empty(); }
};

size_t NestingDepth(const json& root);

Parsed Parse(const std::string& sql) {
  Parsed parsed;
  // libpg_query reads a C string, so it would check only the text before a
  // NUL, while callers embed the whole of it: "1)\0..." passed as "SELECT (1)"
  // and its returned text, "(1)\0...\n)", no longer parsed. Reject it here,
  // for every checker.
  if (size_t nul = sql.find('\0'); nul != std::string::npos) {
    parsed.error = "unexpected NUL byte";
    parsed.cursor = static_cast<int>(nul) + 1;
    return parsed;
  }
  PgQueryParseResult raw = pg_query_parse(sql.c_str());
  ParseResultPtr owner(&raw);
  if (raw.error != nullptr) {
    parsed.error = raw.error->message != nullptr ? raw.error->message : "syntax error";
    parsed.cursor = raw.error->cursorpos;
    return parsed;
  }
  // No exceptions: an unparsable tree comes back as a "discarded" value.
  parsed.tree = json::parse(raw.parse_tree != nullptr ? raw.parse_tree : "", nullptr, false);
  if (parsed.tree.is_discarded() || !parsed.tree.is_object()) {
    parsed.error = "internal error: libpg_query returned an unreadable parse tree";
    return parsed;
  }
  // Code elsewhere (sqlcheck/rewrite.cc, the engine) walks these trees
  // recursively; refuse what no hand-written SQL needs before it can.
  if (size_t depth = NestingDepth(parsed.tree); depth > kMaxTreeDepth) {
    parsed.error = "the SQL nests too deeply (" + std::to_string(depth / 2) +
                   " levels of operators, calls or subqueries, the limit is " +
                   std::to_string(kMaxTreeDepth / 2) + "); split it or simplify it";
    parsed.tree = json();
  }
  return parsed;
}

// An integer field of a node, or `fallback` when absent or not a number.
int IntField(const json& node, const char* key, int fallback) {
  auto it = node.find(key);
  return it != node.end() && it->is_number_integer() ? it->get<int>() : fallback;
}

// The "stmts" array of a parse tree (null json if absent).
const json& Statements(const json& tree) {
  static const json kEmpty = json::array();
  auto it = tree.find("stmts");
  return it != tree.end() && it->is_array() ? *it : kEmpty;
}

// Returns the only SelectStmt of `tree`, or nullptr when the tree holds
// anything else: several statements, another statement kind, or a SELECT
// with any clause besides its target list (FROM, WHERE, INTO, UNION, ...).
const json* LoneBareSelect(const json& tree) {
  const json& stmts = Statements(tree);
  if (stmts.size() != 1 || !stmts[0].is_object()) return nullptr;
  auto stmt = stmts[0].find("stmt");
  if (stmt == stmts[0].end() || !stmt->is_object()) return nullptr;
  auto select = stmt->find("SelectStmt");
  if (select == stmt->end() || !select->is_object()) return nullptr;
  for (const auto& [key, value] : select->items()) {
    if (key == "targetList") continue;
    if (key == "op" && value == "SETOP_NONE") continue;
    if (key == "limitOption" && value == "LIMIT_OPTION_DEFAULT") continue;
    return nullptr;
  }
  return &*select;
}

// The value node of the single, unaliased target of a bare SELECT, or nullptr.
const json* SingleTargetValue(const json& select) {
  auto targets = select.find("targetList");
  if (targets == select.end() || !targets->is_array() || targets->size() != 1) return nullptr;
  auto target = (*targets)[0].find("ResTarget");
  if (target == (*targets)[0].end() || !target->is_object()) return nullptr;
  if (target->contains("name") || target->contains("indirection")) return nullptr;
  auto value = target->find("val");
  return value != target->end() && value->is_object() ? &*value : nullptr;
}

// A "(SELECT a, b ...)" parses as one value but fails when run; catch it now.
bool IsMultiColumnSubquery(const json& value) {
  auto sublink = value.find("SubLink");
  if (sublink == value.end() || !sublink->is_object()) return false;
  auto kind = sublink->find("subLinkType");
  if (kind == sublink->end() || *kind != "EXPR_SUBLINK") return false;
  auto subselect = sublink->find("subselect");
  if (subselect == sublink->end() || !subselect->is_object()) return false;
  auto select = subselect->find("SelectStmt");
  if (select == subselect->end() || !select->is_object()) return false;
  auto targets = select->find("targetList");
  return targets != select->end() && targets->is_array() && targets->size() != 1;
}

std::string NotAnExpression(const std::string& what, const std::string& expression,
                            const std::string& reason) {
  // A 10 000-term expression is not repeated whole in its own error.
  std::string shown = expression.size() <= 300 ? expression : expression.substr(0, 300) + "...";
  return what + ": `" + shown + "` is not a single SQL expression: " + reason +
         "; write one value expression such as `split_part(name, ' ', 1)`, or a single "
         "`SELECT <expression>`, with no `;` and no further statements";
}

// Describes a parser error, with the position counted in the user's text.
std::string ParserReason(const Parsed& parsed, size_t prefix_length, size_t text_length) {
  long position = static_cast<long>(parsed.cursor) - static_cast<long>(prefix_length);
  if (parsed.cursor <= 0) return parsed.error;
  if (position > static_cast<long>(text_length)) return parsed.error + " at end of expression";
  return parsed.error + " at position " + std::to_string(std::max(position, 1L));
}

bool IsBlank(const std::string& text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isspace(c) != 0; });
}

std::string Wrap(const std::string& expression) { return kWrapPrefix + expression + kWrapSuffix; }

// True when "SELECT <embedded>" parses as exactly one bare one-target SELECT.
bool EmbeddingIsSingleExpression(const Parsed& parsed) {
  if (!parsed.ok()) return false;
  const json* select = LoneBareSelect(parsed.tree);
  return select != nullptr && SingleTargetValue(*select) != nullptr;
}

// "(<body>\n)" as "(<body>)" when the newline is not needed, that is when
// the tighter text parses as the same single expression: only a trailing
// "-- comment" needs it (it would swallow the paren). Plans and trigger
// functions then read `NEW.x := (upper(name));`, not a ")" alone on a line.
std::string Tighten(const std::string& body) {
  std::string trimmed = body;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back())) != 0) {
    trimmed.pop_back();
  }
  if (!EmbeddingIsSingleExpression(Parse("SELECT (" + trimmed + ")"))) {
    return "(" + body + kWrapSuffix;
  }
  return "(" + trimmed + ")";
}

// pgroll style: `expression` is itself "SELECT <one target>" with no other
// clause. Returns the text to embed (the statement without a trailing ";"),
// or nullopt when `expression` is not of that form.
std::optional<std::string> EmbedLoneSelect(const std::string& expression) {
  Parsed parsed = Parse(expression);
  if (!parsed.ok()) return std::nullopt;
  const json* select = LoneBareSelect(parsed.tree);
  if (select == nullptr || SingleTargetValue(*select) == nullptr) return std::nullopt;
  const json& stmt = Statements(parsed.tree)[0];
  size_t begin = static_cast<size_t>(IntField(stmt, "stmt_location", 0));
  size_t length = static_cast<size_t>(IntField(stmt, "stmt_len", 0));
  if (begin > expression.size()) return std::nullopt;
  std::string body = length == 0 ? expression.substr(begin) : expression.substr(begin, length);
  std::string embedded = Tighten(body);
  // Re-check the exact text that will be embedded, not just its pieces.
  if (!EmbeddingIsSingleExpression(Parse("SELECT " + embedded))) return std::nullopt;
  return embedded;
}

// Calls visit(key, value) for every member of every object anywhere in
// `root`, in document order. Iterative: a parse tree of user SQL nests as
// deep as the SQL does (10 000 terms of `1+1+...` are 20 000 levels), deeper
// than recursion on the stack could follow.
template <typename Visit>
void ForEachMember(const json& root, Visit&& visit) {
  std::vector<const json*> pending = {&root};
  while (!pending.empty()) {
    const json& node = *pending.back();
    pending.pop_back();
    if (node.is_array()) {
      for (auto it = node.rbegin(); it != node.rend(); ++it) pending.push_back(&*it);
      continue;
    }
    if (!node.is_object()) continue;
    std::vector<const json*> children;
    for (const auto& [key, value] : node.items()) {
      if (visit(key, value)) children.push_back(&value);
    }
    pending.insert(pending.end(), children.rbegin(), children.rend());
  }
}

// The depth of the deepest value in `root` (a scalar alone is 1).
size_t NestingDepth(const json& root) {
  size_t deepest = 0;
  std::vector<std::pair<const json*, size_t>> pending = {{&root, 1}};
  while (!pending.empty()) {
    auto [node, depth] = pending.back();
    pending.pop_back();
    deepest = std::max(deepest, depth);
    if (node->is_structured()) {
      for (const json& child : *node) pending.emplace_back(&child, depth + 1);
    }
  }
  return deepest;
}

void CollectColumnRefs(const json& tree, std::vector<std::pair<int, std::string>>& found) {
  ForEachMember(tree, [&](const std::string& key, const json& value) {
    if (key != "ColumnRef" || !value.is_object()) return true;
    auto fields = value.find("fields");
    if (fields == value.end() || !fields->is_array() || fields->empty()) return false;
    const json& last = fields->back();
    auto name = last.find("String");
    if (name == last.end() || !name->is_object()) return false;  // A_Star: "*" or "t.*"
    auto sval = name->find("sval");
    if (sval == name->end() || !sval->is_string()) return false;
    found.emplace_back(IntField(value, "location", 0), sval->get<std::string>());
    return false;
  });
}

// The sval of a String node, or nullopt for anything else (A_Star).
std::optional<std::string> StringValue(const json& node) {
  auto string = node.find("String");
  if (string == node.end() || !string->is_object()) return std::nullopt;
  auto sval = string->find("sval");
  if (sval == string->end() || !sval->is_string()) return std::nullopt;
  return sval->get<std::string>();
}

// Like CollectColumnRefs, but only the references that belong to `table`:
// unqualified ones and those whose qualifier (the field before the column
// name) is `table`.
void CollectColumnRefsOf(const json& tree, const std::string& table,
                         std::vector<std::pair<int, std::string>>& found) {
  ForEachMember(tree, [&](const std::string& key, const json& value) {
    if (key != "ColumnRef" || !value.is_object()) return true;
    auto fields = value.find("fields");
    if (fields == value.end() || !fields->is_array() || fields->empty()) return false;
    std::optional<std::string> name = StringValue(fields->back());
    if (!name) return false;  // "*" or "t.*"
    if (fields->size() >= 2 && StringValue((*fields)[fields->size() - 2]) != table) return false;
    found.emplace_back(IntField(value, "location", 0), *name);
    return false;
  });
}

// Names in text order, each once.
std::vector<std::string> InTextOrder(std::vector<std::pair<int, std::string>> found) {
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> columns;
  std::set<std::string> seen;
  for (auto& [location, name] : found) {
    if (seen.insert(name).second) columns.push_back(std::move(name));
  }
  return columns;
}

std::string Describe(unsigned char c) {
  if (c == '"') return "a double quote (\")";
  if (c == ';') return "a semicolon (;)";
  if (c == ' ') return "a space";
  if (c == '\t') return "a tab";
  if (c == '\n' || c == '\r') return "a line break";
  static const char kHex[] = "0123456789abcdef";
  std::string code = "0x";
  code += kHex[c >> 4];
  code += kHex[c & 0xf];
  return std::isspace(c) != 0 ? "whitespace (" + code + ")" : "a control character (" + code + ")";
}

bool ForbiddenInIdentifier(unsigned char c) {
  return c == '"' || c == ';' || std::isspace(c) != 0 || c < 0x20 || c == 0x7f;
}

}  // namespace

Result<std::string> ValidateExpression(const std::string& expression, const std::string& what) {
  if (IsBlank(expression)) {
    return InvalidInput(what +
                        ": the expression is empty; write one SQL value expression, "
                        "e.g. `split_part(name, ' ', 1)`");
  }
  std::string wrapped = Wrap(expression);
  Parsed parsed = Parse(wrapped);
  if (EmbeddingIsSingleExpression(parsed)) {
    const json& value = *SingleTargetValue(*LoneBareSelect(parsed.tree));
    if (IsMultiColumnSubquery(value)) {
      return InvalidInput(NotAnExpression(
          what, expression, "a SELECT used as a value must return exactly one column"));
    }
    ZS_RETURN_IF_ERROR(CheckFunctionCalls(value, expression, what));
    return Tighten(expression);
  }
  if (std::optional<std::string> embedded = EmbedLoneSelect(expression)) {
    Parsed lone = Parse(expression);
    if (lone.ok()) ZS_RETURN_IF_ERROR(CheckFunctionCalls(lone.tree, expression, what));
    return *embedded;
  }
  if (!parsed.ok()) {
    return InvalidInput(NotAnExpression(
        what, expression, ParserReason(parsed, sizeof(kWrapPrefix) - 1, expression.size())));
  }
  return InvalidInput(NotAnExpression(
      what, expression, "it parses as more than one value or contains clauses around the value"));
}

Result<std::vector<std::string>> ReferencedColumns(const std::string& expression) {
  Parsed parsed = Parse(Wrap(expression));
  if (!EmbeddingIsSingleExpression(parsed)) {
    return InvalidInput("`" + expression + "` is not a single SQL expression" +
                        (parsed.ok() ? "" : ": " + parsed.error));
  }
  std::vector<std::pair<int, std::string>> found;
  CollectColumnRefs(parsed.tree, found);
  // JSON objects iterate in key order, so restore the order of the text.
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> columns;
  std::set<std::string> seen;
  for (auto& [location, name] : found) {
    if (seen.insert(name).second) columns.push_back(std::move(name));
  }
  return columns;
}

Result<std::vector<std::string>> ReferencedColumns(const std::string& expression,
                                                   const std::string& table) {
  Parsed parsed = Parse(Wrap(expression));
  if (!EmbeddingIsSingleExpression(parsed)) {
    return InvalidInput("`" + expression + "` is not a single SQL expression" +
                        (parsed.ok() ? "" : ": " + parsed.error));
  }
  std::vector<std::pair<int, std::string>> found;
  CollectColumnRefsOf(parsed.tree, table, found);
  return InTextOrder(std::move(found));
}

Result<json> ParseToJson(const std::string& sql) {
  Parsed parsed = Parse(sql);
  if (!parsed.ok()) {
    std::string where = parsed.cursor > 0 ? " at position " + std::to_string(parsed.cursor) : "";
    return InvalidInput("the SQL does not parse: " + parsed.error + where);
  }
  return std::move(parsed.tree);
}

Result<int> ValidateStatements(const std::string& sql, const std::string& what) {
  Parsed parsed = Parse(sql);
  if (!parsed.ok()) {
    std::string where = parsed.cursor > 0 ? " at position " + std::to_string(parsed.cursor) : "";
    return InvalidInput(what + ": the SQL does not parse: " + parsed.error + where +
                        "; fix the statement (each statement ends with `;`)");
  }
  int count = static_cast<int>(Statements(parsed.tree).size());
  if (count == 0) {
    return InvalidInput(what + ": no SQL statement found; write at least one statement");
  }
  return count;
}

Status ValidateTypeName(const std::string& type, const std::string& what) {
  auto reject = [&](const std::string& reason) {
    return InvalidInput(what + ": `" + type + "` is not a type name: " + reason +
                        "; write a plain type such as `text`, `varchar(255)` or "
                        "`timestamp with time zone`");
  };
  if (IsBlank(type)) return reject("it is empty");
  // The type is embedded raw into DDL, so a comment or ";" could hide what follows.
  for (const char* token : {"--", "/*", ";"}) {
    if (type.find(token) != std::string::npos)
      return reject(std::string("it contains `") + token + "`");
  }
  const std::string prefix = "SELECT NULL::";
  Parsed parsed = Parse(prefix + type);
  if (!parsed.ok()) return reject(ParserReason(parsed, prefix.size(), type.size()));
  const json* select = LoneBareSelect(parsed.tree);
  const json* value = select != nullptr ? SingleTargetValue(*select) : nullptr;
  auto cast = value != nullptr ? value->find("TypeCast") : json::const_iterator();
  if (value == nullptr || cast == value->end() || !cast->is_object()) {
    return reject("it has extra text after the type");
  }
  auto arg = cast->find("arg");
  if (arg == cast->end() || !arg->is_object() || !arg->contains("A_Const"))
    return reject("it has extra text after the type");
  return Status::Ok();
}

Status ValidateIdentifier(const std::string& name, const std::string& what) {
  if (name.empty()) return InvalidInput(what + ": the name is empty; give a plain name");
  if (name.size() > kMaxIdentifierBytes) {
    return InvalidInput(what + ": `" + name + "` is " + std::to_string(name.size()) +
                        " bytes long; PostgreSQL identifiers are at most 63 bytes, use a "
                        "shorter name");
  }
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (!ForbiddenInIdentifier(c)) continue;
    return InvalidInput(what + ": `" + name + "` contains " + Describe(c) + " at position " +
                        std::to_string(i + 1) +
                        "; identifiers must be plain names without double quotes, whitespace, "
                        "semicolons or control characters");
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Fragments embedded into generated DDL, and statement splitting.

namespace {

// The node of the only statement of `tree` when it is a `kind`, else nullptr.
const json* OnlyStatementOfKind(const json& tree, const char* kind) {
  const json& stmts = Statements(tree);
  if (stmts.size() != 1 || !stmts[0].is_object()) return nullptr;
  auto stmt = stmts[0].find("stmt");
  if (stmt == stmts[0].end() || !stmt->is_object()) return nullptr;
  auto node = stmt->find(kind);
  return node != stmt->end() && node->is_object() ? &*node : nullptr;
}

bool HasOnlyKeys(const json& node, std::initializer_list<std::string_view> allowed) {
  for (const auto& item : node.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) return false;
  }
  return true;
}

bool IsNonEmptyArray(const json& node, const char* key) {
  auto it = node.find(key);
  return it != node.end() && it->is_array() && !it->empty();
}

// Parses prefix + fragment + suffix and asks `shape_ok` whether the tree is
// exactly the statement the fragment is meant to complete.
Status CheckFragment(const std::string& fragment, const std::string& what, const std::string& noun,
                     const std::string& example, const std::string& prefix,
                     const std::string& suffix, bool (*shape_ok)(const json& tree)) {
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

bool IsIndexOptionList(const json& tree) {
  const json* index = OnlyStatementOfKind(tree, "IndexStmt");
  return index != nullptr &&
         HasOnlyKeys(*index, {"idxname", "relation", "accessMethod", "indexParams", "options"}) &&
         IsNonEmptyArray(*index, "options");
}

bool IsSequenceOptionList(const json& tree) {
  const json* sequence = OnlyStatementOfKind(tree, "CreateSeqStmt");
  return sequence != nullptr && HasOnlyKeys(*sequence, {"sequence", "options"}) &&
         IsNonEmptyArray(*sequence, "options");
}

bool IsLoneExcludeConstraint(const json& tree) {
  const json* create = OnlyStatementOfKind(tree, "CreateStmt");
  if (create == nullptr || !HasOnlyKeys(*create, {"relation", "tableElts", "oncommit"})) {
    return false;
  }
  const json& elements = create->value("tableElts", json::array());
  if (!elements.is_array() || elements.size() != 1 || !elements[0].is_object()) return false;
  auto constraint = elements[0].find("Constraint");
  return constraint != elements[0].end() && constraint->is_object() &&
         HasOnlyKeys(*constraint, {"contype", "location", "exclusions", "access_method"}) &&
         constraint->value("contype", "") == "CONSTR_EXCLUSION";
}

// A DefElem of a statement's option list is on when it has no argument or a
// true one ("REINDEX (CONCURRENTLY)", "(CONCURRENTLY true)").
bool OptionIsOn(const json& options, std::string_view name) {
  if (!options.is_array()) return false;
  for (const json& item : options) {
    auto def = item.find("DefElem");
    if (def == item.end() || !def->is_object() || def->value("defname", "") != name) continue;
    auto arg = def->find("arg");
    if (arg == def->end() || !arg->is_object()) return true;
    if (arg->contains("Integer")) return (*arg)["Integer"].value("ival", 0) != 0;
    std::string value = arg->contains("String") ? (*arg)["String"].value("sval", "") : "";
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return value != "false" && value != "off" && value != "no" && value != "0";
  }
  return false;
}

bool DetachesConcurrently(const json& alter) {
  for (const json& cmd : alter.value("cmds", json::array())) {
    auto at = cmd.find("AlterTableCmd");
    if (at == cmd.end() || !at->is_object()) continue;
    if (at->value("subtype", "") != "AT_DetachPartition") continue;
    auto def = at->find("def");
    if (def != at->end() && def->is_object() && def->contains("PartitionCmd") &&
        (*def)["PartitionCmd"].value("concurrent", false)) {
      return true;
    }
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

void Classify(const json& stmt, Statement& out) {
  if (!stmt.is_object() || stmt.empty() || !stmt.begin().value().is_object()) return;
  const std::string kind = stmt.begin().key();
  const json& node = stmt.begin().value();
  bool concurrent = false;
  if (kind == "IndexStmt" || kind == "DropStmt") {
    concurrent = node.value("concurrent", false);
  } else if (kind == "ReindexStmt") {
    concurrent = OptionIsOn(node.value("params", json::array()), "concurrently");
    std::string object = node.value("kind", "");
    out.outside_transaction = object == "REINDEX_OBJECT_SCHEMA" ||
                              object == "REINDEX_OBJECT_SYSTEM" ||
                              object == "REINDEX_OBJECT_DATABASE";
  } else if (kind == "VacuumStmt") {
    // VACUUM and ANALYZE both take SHARE UPDATE EXCLUSIVE; only VACUUM refuses a transaction.
    out.share_update_exclusive = true;
    out.outside_transaction = node.value("is_vacuumcmd", false);
  } else if (kind == "AlterTableStmt") {
    concurrent = DetachesConcurrently(node);
  } else if (kind == "ClusterStmt") {
    out.outside_transaction = !node.contains("relation");
  } else if (kind == "TransactionStmt") {
    out.transaction_control = true;
  }
  out.outside_transaction = out.outside_transaction || concurrent || AlwaysOutsideTransaction(kind);
  out.share_update_exclusive = out.share_update_exclusive || concurrent;
  if (kind == "IndexStmt" && concurrent && !node.value("if_not_exists", false)) {
    out.index_name = node.value("idxname", "");
    out.index_schema = node.value("relation", json::object()).value("schemaname", "");
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
  for (const json& raw : Statements(parsed.tree)) {
    size_t begin = static_cast<size_t>(std::max(IntField(raw, "stmt_location", 0), 0));
    size_t length = static_cast<size_t>(std::max(IntField(raw, "stmt_len", 0), 0));
    if (begin > sql.size()) return Internal(what + ": libpg_query reported a bad statement offset");
    Statement statement;
    statement.text = TrimStatement(length == 0 ? sql.substr(begin) : sql.substr(begin, length));
    Classify(raw.value("stmt", json::object()), statement);
    statements.push_back(std::move(statement));
  }
  return statements;
}

}  // namespace zs::sqlcheck
