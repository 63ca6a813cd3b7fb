#include "sqlcheck/expression.h"

#include <pg_query.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

namespace zs::sqlcheck {
namespace {

using nlohmann::json;

// The prefix and suffix that turn an expression into a one-target SELECT. The
// newline before ")" keeps a trailing "-- comment" from swallowing the paren.
constexpr char kWrapPrefix[] = "SELECT (";
constexpr char kWrapSuffix[] = "\n)";
constexpr size_t kMaxIdentifierBytes = 63;

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

Parsed Parse(const std::string& sql) {
  PgQueryParseResult raw = pg_query_parse(sql.c_str());
  ParseResultPtr owner(&raw);
  Parsed parsed;
  if (raw.error != nullptr) {
    parsed.error = raw.error->message != nullptr ? raw.error->message : "syntax error";
    parsed.cursor = raw.error->cursorpos;
    return parsed;
  }
  // No exceptions: an unparsable tree comes back as a "discarded" value.
  parsed.tree = json::parse(raw.parse_tree != nullptr ? raw.parse_tree : "", nullptr, false);
  if (parsed.tree.is_discarded() || !parsed.tree.is_object()) {
    parsed.error = "internal error: libpg_query returned an unreadable parse tree";
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
  return what + ": `" + expression + "` is not a single SQL expression: " + reason +
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
  std::string embedded = "(" + body + kWrapSuffix;
  // Re-check the exact text that will be embedded, not just its pieces.
  if (!EmbeddingIsSingleExpression(Parse("SELECT " + embedded))) return std::nullopt;
  return embedded;
}

void CollectColumnRefs(const json& node, std::vector<std::pair<int, std::string>>& found) {
  if (node.is_array()) {
    for (const json& child : node) CollectColumnRefs(child, found);
    return;
  }
  if (!node.is_object()) return;
  for (const auto& [key, value] : node.items()) {
    if (key != "ColumnRef" || !value.is_object()) {
      CollectColumnRefs(value, found);
      continue;
    }
    auto fields = value.find("fields");
    if (fields == value.end() || !fields->is_array() || fields->empty()) continue;
    const json& last = fields->back();
    auto name = last.find("String");
    if (name == last.end() || !name->is_object()) continue;  // A_Star: "*" or "t.*"
    auto sval = name->find("sval");
    if (sval == name->end() || !sval->is_string()) continue;
    found.emplace_back(IntField(value, "location", 0), sval->get<std::string>());
  }
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
    return wrapped.substr(sizeof("SELECT ") - 1);
  }
  if (std::optional<std::string> embedded = EmbedLoneSelect(expression)) return *embedded;
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

}  // namespace zs::sqlcheck
