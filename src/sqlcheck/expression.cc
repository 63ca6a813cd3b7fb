#include "sqlcheck/expression.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "sqlcheck/function_calls.h"
#include "sqlcheck/parse.h"

namespace zs::sqlcheck {
namespace {

// The prefix and suffix that turn an expression into a one-target SELECT. The
// newline before ")" keeps a trailing "-- comment" from swallowing the paren.
constexpr char kWrapPrefix[] = "SELECT (";
constexpr char kWrapSuffix[] = "\n)";
constexpr size_t kMaxIdentifierBytes = 63;

// Returns the only SelectStmt of `tree`, or missing when the tree holds
// anything else: several statements, another statement kind, or a SELECT
// with any clause besides its target list (FROM, WHERE, INTO, UNION, ...).
JsonValue LoneBareSelect(const sqlparse::ParseTree& tree) {
  JsonValue select = OnlyStatementOfKind(tree, "SelectStmt");
  for (JsonValue member : select) {
    std::string_view key = member.key();
    if (key == "targetList") continue;
    if (key == "op" && member.str() == "SETOP_NONE") continue;
    if (key == "limitOption" && member.str() == "LIMIT_OPTION_DEFAULT") continue;
    return {};
  }
  return select;
}

// The value node of the single, unaliased target of a bare SELECT, or missing.
JsonValue SingleTargetValue(JsonValue select) {
  JsonValue targets = select["targetList"];
  if (!targets.is_array() || targets.size() != 1) return {};
  JsonValue target = targets.front()["ResTarget"];
  if (!target.is_object() || target["name"].exists() || target["indirection"].exists()) return {};
  JsonValue value = target["val"];
  return value.is_object() ? value : JsonValue();
}

// A "(SELECT a, b ...)" parses as one value but fails when run; catch it now.
bool IsMultiColumnSubquery(JsonValue value) {
  JsonValue sublink = value["SubLink"];
  if (!sublink.is_object() || sublink["subLinkType"].str() != "EXPR_SUBLINK") return false;
  JsonValue select = sublink["subselect"]["SelectStmt"];
  if (!select.is_object()) return false;
  JsonValue targets = select["targetList"];
  return targets.is_array() && targets.size() != 1;
}

std::string NotAnExpression(const std::string& what, const std::string& expression,
                            const std::string& reason) {
  // A 10 000-term expression is not repeated whole in its own error.
  std::string shown = expression.size() <= 300 ? expression : expression.substr(0, 300) + "...";
  return what + ": `" + shown + "` is not a single SQL expression: " + reason +
         "; write one value expression such as `split_part(name, ' ', 1)`, or a single "
         "`SELECT <expression>`, with no `;` and no further statements";
}

std::string Wrap(const std::string& expression) { return kWrapPrefix + expression + kWrapSuffix; }

// The value of "SELECT <embedded>" when that parses as exactly one bare
// one-target SELECT; missing otherwise.
JsonValue EmbeddedValue(const Parsed& parsed) {
  if (!parsed.ok()) return {};
  return SingleTargetValue(LoneBareSelect(parsed.tree));
}

bool EmbeddingIsSingleExpression(const Parsed& parsed) { return EmbeddedValue(parsed).exists(); }

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
  if (!EmbeddingIsSingleExpression(parsed)) return std::nullopt;
  std::string body(sqlparse::SplitStatements(parsed.tree, expression).front().text);
  std::string embedded = Tighten(body);
  // Re-check the exact text that will be embedded, not just its pieces.
  if (!EmbeddingIsSingleExpression(Parse("SELECT " + embedded))) return std::nullopt;
  return embedded;
}

// The sval of a String node, or nullopt for anything else (A_Star).
std::optional<std::string> StringValue(JsonValue node) {
  JsonValue sval = node["String"]["sval"];
  if (!sval.is_string()) return std::nullopt;
  return std::string(sval.str());
}

// The (location, column name) of every ColumnRef in `tree` whose qualifier
// passes `keep` (nullopt for an unqualified name); "*" and "t.*" are left out.
template <typename Keep>
std::vector<std::pair<int64_t, std::string>> CollectColumnRefs(JsonValue tree, Keep&& keep) {
  std::vector<std::pair<int64_t, std::string>> found;
  tree.ForEachDescendant([&](JsonValue value) {
    if (value.key() != "ColumnRef" || !value.is_object()) return;
    std::vector<JsonValue> fields;
    for (JsonValue field : value["fields"]) fields.push_back(field);
    if (fields.empty()) return;
    std::optional<std::string> name = StringValue(fields.back());
    if (!name) return;
    std::optional<std::string> qualifier;
    if (fields.size() >= 2) qualifier = StringValue(fields[fields.size() - 2]);
    if (!keep(fields.size() >= 2, qualifier)) return;
    found.emplace_back(value["location"].int_or(0), std::move(*name));
  });
  return found;
}

// Names in text order, each once.
std::vector<std::string> InTextOrder(std::vector<std::pair<int64_t, std::string>> found) {
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> columns;
  std::set<std::string> seen;
  for (auto& [location, name] : found) {
    if (seen.insert(name).second) columns.push_back(std::move(name));
  }
  return columns;
}

// The parse of Wrap(expression), or why it is not a single expression.
Result<Parsed> ParseSingleExpression(const std::string& expression) {
  Parsed parsed = Parse(Wrap(expression));
  if (!EmbeddingIsSingleExpression(parsed)) {
    return InvalidInput("`" + expression + "` is not a single SQL expression" +
                        (parsed.ok() ? "" : ": " + parsed.error));
  }
  return parsed;
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
  Parsed parsed = Parse(Wrap(expression));
  if (JsonValue value = EmbeddedValue(parsed); value.exists()) {
    if (IsMultiColumnSubquery(value)) {
      return InvalidInput(NotAnExpression(
          what, expression, "a SELECT used as a value must return exactly one column"));
    }
    ZS_RETURN_IF_ERROR(CheckFunctionCalls(value, expression, what));
    return Tighten(expression);
  }
  if (std::optional<std::string> embedded = EmbedLoneSelect(expression)) {
    Parsed lone = Parse(expression);
    if (lone.ok()) ZS_RETURN_IF_ERROR(CheckFunctionCalls(lone.tree.root(), expression, what));
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
  ZS_ASSIGN_OR_RETURN(Parsed parsed, ParseSingleExpression(expression));
  return InTextOrder(CollectColumnRefs(parsed.tree.root(), [](bool, const auto&) { return true; }));
}

Result<std::vector<std::string>> ReferencedColumns(const std::string& expression,
                                                   const std::string& table) {
  ZS_ASSIGN_OR_RETURN(Parsed parsed, ParseSingleExpression(expression));
  // Unqualified names and those qualified by `table` itself.
  return InTextOrder(CollectColumnRefs(
      parsed.tree.root(), [&](bool qualified, const std::optional<std::string>& qualifier) {
        return !qualified || qualifier == table;
      }));
}

Result<sqlparse::ParseTree> ParseSql(const std::string& sql) {
  Parsed parsed = Parse(sql);
  if (!parsed.ok()) {
    std::string where = parsed.cursor > 0 ? " at position " + std::to_string(parsed.cursor) : "";
    return InvalidInput("the SQL does not parse: " + parsed.error + where);
  }
  return std::move(parsed.tree);
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
  JsonValue cast = EmbeddedValue(parsed)["TypeCast"];
  if (!cast.is_object() || !cast["arg"].is_object() || !cast["arg"]["A_Const"].exists()) {
    return reject("it has extra text after the type");
  }
  return Status::Ok();
}

Status ValidateIdentifier(const std::string& name, const std::string& what) {
  if (name.empty()) return InvalidInput(what + ": the name is empty; give a plain name");
  if (name.size() > kMaxIdentifierBytes) {
    return InvalidInput(what + ": `" + name + "` is " + std::to_string(name.size()) +
                        " bytes long; zeroshift takes names of at most 63 bytes (PostgreSQL's "
                        "limit; MariaDB's is 64) on every database, use a shorter name");
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
