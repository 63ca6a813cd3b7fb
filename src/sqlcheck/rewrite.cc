#include "sqlcheck/rewrite.h"

#include <algorithm>
#include <cctype>

#include "pg/quote.h"
#include "sqlcheck/expression.h"

namespace zs::sqlcheck {
namespace {

using sqlparse::JsonValue;
using sqlparse::ParseTree;

// ---------------------------------------------------------------------------
// A lexer for the few token kinds the rewrites step over. The parser decides
// what is a column reference; the lexer only measures where a name ends and
// walks an index's column list, and every name it reads is checked against
// the parse tree.

struct Token {
  enum class Kind { kEnd, kName, kString, kNumber, kSymbol };
  Kind kind = Kind::kEnd;
  size_t begin = 0;
  size_t end = 0;
  std::string name;  // kName: the identifier it denotes; kSymbol: the character
};

bool IsNameStart(unsigned char c) { return std::isalpha(c) != 0 || c == '_' || c >= 0x80; }
bool IsNamePart(unsigned char c) { return IsNameStart(c) || std::isdigit(c) != 0 || c == '$'; }

size_t SkipSpaceAndComments(const std::string& text, size_t pos) {
  while (pos < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[pos])) != 0) {
      ++pos;
    } else if (text.compare(pos, 2, "--") == 0) {
      pos = text.find('\n', pos);
      if (pos == std::string::npos) return text.size();
    } else if (text.compare(pos, 2, "/*") == 0) {
      int depth = 0;  // block comments nest in PostgreSQL
      do {
        if (text.compare(pos, 2, "/*") == 0) {
          ++depth;
          pos += 2;
        } else if (text.compare(pos, 2, "*/") == 0) {
          --depth;
          pos += 2;
        } else {
          ++pos;
        }
      } while (depth > 0 && pos < text.size());
    } else {
      break;
    }
  }
  return pos;
}

// The end of a quoted token starting at `pos` (a doubled quote is part of it).
size_t QuotedEnd(const std::string& text, size_t pos, char quote) {
  for (size_t i = pos + 1; i < text.size(); ++i) {
    if (text[i] != quote) continue;
    if (i + 1 < text.size() && text[i + 1] == quote) {
      ++i;
      continue;
    }
    return i + 1;
  }
  return text.size();
}

Token Lex(const std::string& text, size_t pos) {
  Token token;
  token.begin = SkipSpaceAndComments(text, pos);
  token.end = token.begin;
  if (token.begin >= text.size()) return token;
  unsigned char c = static_cast<unsigned char>(text[token.begin]);
  if (c == '"') {
    token.kind = Token::Kind::kName;
    token.end = QuotedEnd(text, token.begin, '"');
    std::string inner = text.substr(token.begin + 1, token.end - token.begin - 2);
    for (size_t i = 0; i < inner.size(); ++i) {
      token.name += inner[i];
      if (inner[i] == '"') ++i;  // skip the second quote of a doubled one
    }
  } else if (IsNameStart(c)) {
    token.kind = Token::Kind::kName;
    while (token.end < text.size() && IsNamePart(static_cast<unsigned char>(text[token.end]))) {
      ++token.end;
    }
    // Unquoted names fold to lower case (ASCII only, as PostgreSQL does).
    for (size_t i = token.begin; i < token.end; ++i) {
      unsigned char ch = static_cast<unsigned char>(text[i]);
      token.name += ch < 0x80 ? static_cast<char>(std::tolower(ch)) : static_cast<char>(ch);
    }
  } else if (c == '\'') {
    token.kind = Token::Kind::kString;
    token.end = QuotedEnd(text, token.begin, '\'');
  } else if (std::isdigit(c) != 0) {
    token.kind = Token::Kind::kNumber;
    while (token.end < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[token.end])) || text[token.end] == '.')) {
      ++token.end;
    }
  } else {
    token.kind = Token::Kind::kSymbol;
    token.end = token.begin + 1;
    token.name = std::string(1, static_cast<char>(c));
  }
  return token;
}

bool IsSymbol(const Token& token, char c) {
  return token.kind == Token::Kind::kSymbol && token.name[0] == c;
}
bool IsKeyword(const Token& token, const char* word) {
  return token.kind == Token::Kind::kName && token.name == word;
}

// ---------------------------------------------------------------------------
// Parse-tree helpers.

std::string StringField(JsonValue node, std::string_view key) {
  return std::string(node[key].str());
}

size_t LocationField(JsonValue node) {
  int64_t location = node["location"].int_or(-1);
  return location >= 0 ? static_cast<size_t>(location) : 0;
}

bool BoolField(JsonValue node, std::string_view key) { return node[key].is_true(); }

// The svals of a list of String nodes ("fk_attrs": [{"String": {"sval": "a"}}]).
std::vector<std::string> StringList(JsonValue node, std::string_view key) {
  std::vector<std::string> out;
  JsonValue list = node[key];
  if (!list.is_array()) return out;
  for (JsonValue item : list) {
    JsonValue string = item["String"];
    if (string.exists()) out.push_back(StringField(string, "sval"));
  }
  return out;
}

// The node of the only statement of `tree`, of kind `kind`, or missing.
JsonValue OnlyStatement(const ParseTree& tree, std::string_view kind) {
  JsonValue stmts = tree.statements();
  if (!stmts.is_array() || stmts.size() != 1) return {};
  return stmts.front()["stmt"][kind];
}

// A column reference whose fields are all names (not "*").
struct ColumnRefAt {
  size_t location = 0;
  std::vector<std::string> fields;
};

// Every such reference inside `node`, in the parser's field order. Flat: the
// tree is stored in that order, so no recursion follows its depth.
void CollectRefs(JsonValue node, std::vector<ColumnRefAt>& out) {
  node.ForEachDescendant([&](JsonValue value) {
    if (value.key() != "ColumnRef") return;
    ColumnRefAt ref{.location = LocationField(value), .fields = {}};
    JsonValue fields = value["fields"];
    if (!fields.is_array()) return;
    for (JsonValue field : fields) {
      JsonValue string = field["String"];
      if (!string.exists()) return;  // "*": not all names
      ref.fields.push_back(StringField(string, "sval"));
    }
    if (!ref.fields.empty()) out.push_back(std::move(ref));
  });
}

// ---------------------------------------------------------------------------
// Edits of the text at positions found by the parser.

struct Edit {
  size_t begin = 0;
  size_t end = 0;
  std::string text;
};

std::string ApplyEdits(std::string text, std::vector<Edit> edits) {
  std::sort(edits.begin(), edits.end(),
            [](const Edit& a, const Edit& b) { return a.begin > b.begin; });
  for (const Edit& edit : edits) text.replace(edit.begin, edit.end - edit.begin, edit.text);
  return text;
}

Status Unreadable(const std::string& text, const std::string& what) {
  return InvalidInput("cannot read " + what + " `" + text +
                      "`: the parser's column positions do not match the text");
}

// The span of the last field of `ref` in `text` (where the column name is).
Result<Edit> LastFieldSpan(const std::string& text, const ColumnRefAt& ref) {
  size_t pos = ref.location;
  Token name;
  for (size_t i = 0; i < ref.fields.size(); ++i) {
    if (i > 0) {
      Token dot = Lex(text, pos);
      if (!IsSymbol(dot, '.')) return Unreadable(text, "column reference in");
      pos = dot.end;
    }
    name = Lex(text, pos);
    if (name.kind != Token::Kind::kName || name.name != ref.fields[i]) {
      return Unreadable(text, "column reference in");
    }
    pos = name.end;
  }
  return Edit{.begin = name.begin, .end = name.end, .text = ""};
}

// Edits that rename the references of `table` ("" = unqualified only) in
// `tree`, a parse of `text`. A qualified reference keeps its qualifier.
Status RenameRefs(const std::string& text, JsonValue tree, const std::string& table,
                  const ColumnRenames& renames, std::vector<Edit>& edits) {
  std::vector<ColumnRefAt> refs;
  CollectRefs(tree, refs);
  for (const ColumnRefAt& ref : refs) {
    bool ours =
        ref.fields.size() == 1 || (!table.empty() && ref.fields[ref.fields.size() - 2] == table);
    auto rename = renames.find(ref.fields.back());
    if (!ours || rename == renames.end()) continue;
    ZS_ASSIGN_OR_RETURN(Edit edit, LastFieldSpan(text, ref));
    edit.text = pg::QuoteIdent(rename->second);
    edits.push_back(std::move(edit));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Constraint definitions, parsed as "ALTER TABLE t ADD <definition>".

constexpr char kAddPrefix[] = "ALTER TABLE t ADD ";
constexpr char kNotValid[] = " NOT VALID";

std::string WithoutNotValid(const std::string& definition) {
  const std::string suffix = kNotValid;
  if (definition.size() >= suffix.size() &&
      definition.compare(definition.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return definition.substr(0, definition.size() - suffix.size());
  }
  return definition;
}

struct ParsedConstraint {
  std::string text;  // kAddPrefix + definition
  ParseTree tree;
  JsonValue constraint;  // the Constraint node, inside `tree`
};

Result<ParsedConstraint> ParseConstraint(const std::string& definition) {
  ParsedConstraint parsed;
  parsed.text = kAddPrefix + WithoutNotValid(definition);
  ZS_ASSIGN_OR_RETURN(parsed.tree, ParseSql(parsed.text));
  JsonValue cmds = OnlyStatement(parsed.tree, "AlterTableStmt")["cmds"];
  if (cmds.is_array() && cmds.size() == 1) {
    JsonValue constraint = cmds.front()["AlterTableCmd"]["def"]["Constraint"];
    if (constraint.exists()) {
      parsed.constraint = constraint;
      return parsed;
    }
  }
  return InvalidInput("`" + definition + "` is not one constraint definition");
}

Result<ParsedConstraint> ParseConstraintOfType(const std::string& definition, const char* contype,
                                               const char* what) {
  ZS_ASSIGN_OR_RETURN(ParsedConstraint parsed, ParseConstraint(definition));
  if (StringField(parsed.constraint, "contype") != contype) {
    return InvalidInput("`" + definition + "` is not a " + what + " constraint");
  }
  return parsed;
}

// ---------------------------------------------------------------------------
// Index definitions.

struct NameAt {
  size_t begin = 0;
  size_t end = 0;
  std::string name;
};

// Walks a parenthesised element list whose "(" ends before `pos`; collects
// the elements that are a bare column name. Returns the position after ")".
Result<size_t> WalkElementList(const std::string& text, size_t pos, std::vector<NameAt>& plain) {
  int depth = 1;
  bool element_start = true;
  while (true) {
    Token token = Lex(text, pos);
    if (token.kind == Token::Kind::kEnd) return Unreadable(text, "index definition");
    if (depth == 1 && element_start) {
      element_start = false;
      Token next = Lex(text, token.end);
      if (token.kind == Token::Kind::kName && !IsSymbol(next, '(') && !IsSymbol(next, '.')) {
        plain.push_back({token.begin, token.end, token.name});
      }
    }
    if (IsSymbol(token, '(')) ++depth;
    if (IsSymbol(token, ')') && --depth == 0) return token.end;
    if (IsSymbol(token, ',') && depth == 1) element_start = true;
    pos = token.end;
  }
}

// The names of the IndexElem nodes of `list` that are bare columns, in order.
std::vector<std::string> ElemNames(JsonValue index, std::string_view list) {
  std::vector<std::string> names;
  JsonValue elems = index[list];
  if (!elems.is_array()) return names;
  for (JsonValue elem : elems) {
    JsonValue node = elem["IndexElem"];
    if (node["name"].exists()) names.push_back(StringField(node, "name"));
  }
  return names;
}

struct ParsedIndex {
  ParseTree tree;
  JsonValue index;            // the IndexStmt node, inside `tree`
  size_t relation_begin = 0;  // where the table name starts, after ON [ONLY]
  std::vector<NameAt> plain;  // bare column names among keys and INCLUDE columns
};

Result<ParsedIndex> ParseIndex(const std::string& definition) {
  ParsedIndex parsed;
  ZS_ASSIGN_OR_RETURN(parsed.tree, ParseSql(definition));
  JsonValue index = OnlyStatement(parsed.tree, "IndexStmt");
  JsonValue relation = index["relation"];
  if (!relation.exists()) return InvalidInput("`" + definition + "` is not a CREATE INDEX");
  parsed.index = index;
  parsed.relation_begin = LocationField(relation);
  // pg_get_indexdef: ON <table> USING <method> (<keys>) [INCLUDE (<columns>)] ...
  Token token = Lex(definition, parsed.relation_begin);
  while (token.kind == Token::Kind::kName) {
    Token next = Lex(definition, token.end);
    if (!IsSymbol(next, '.')) break;
    token = Lex(definition, next.end);
  }
  Token using_word = Lex(definition, token.end);
  Token method = Lex(definition, using_word.end);
  Token open = Lex(definition, method.end);
  if (!IsKeyword(using_word, "using") || method.kind != Token::Kind::kName ||
      !IsSymbol(open, '(')) {
    return Unreadable(definition, "index definition");
  }
  ZS_ASSIGN_OR_RETURN(size_t pos, WalkElementList(definition, open.end, parsed.plain));
  Token include = Lex(definition, pos);
  if (IsKeyword(include, "include")) {
    Token include_open = Lex(definition, include.end);
    if (!IsSymbol(include_open, '(')) return Unreadable(definition, "index definition");
    ZS_RETURN_IF_ERROR(WalkElementList(definition, include_open.end, parsed.plain).status());
  }
  std::vector<std::string> expected = ElemNames(parsed.index, "indexParams");
  std::vector<std::string> included = ElemNames(parsed.index, "indexIncludingParams");
  expected.insert(expected.end(), included.begin(), included.end());
  std::vector<std::string> found;
  for (const NameAt& name : parsed.plain) found.push_back(name.name);
  if (found != expected) return Unreadable(definition, "index definition");
  return parsed;
}

}  // namespace

Result<std::string> RenameColumns(const std::string& expression, const std::string& table,
                                  const ColumnRenames& renames) {
  const std::string prefix = "SELECT (";
  const std::string suffix = "\n)";
  std::string text = prefix + expression + suffix;
  ZS_ASSIGN_OR_RETURN(ParseTree tree, ParseSql(text));
  std::vector<Edit> edits;
  ZS_RETURN_IF_ERROR(RenameRefs(text, tree.root(), table, renames, edits));
  std::string rewritten = ApplyEdits(text, std::move(edits));
  return rewritten.substr(prefix.size(), rewritten.size() - prefix.size() - suffix.size());
}

Result<std::string> RenameColumnsInCheck(const std::string& definition,
                                         const ColumnRenames& renames) {
  ZS_ASSIGN_OR_RETURN(ParsedConstraint parsed,
                      ParseConstraintOfType(definition, "CONSTR_CHECK", "CHECK"));
  std::vector<Edit> edits;
  ZS_RETURN_IF_ERROR(RenameRefs(parsed.text, parsed.tree.root(), "", renames, edits));
  return ApplyEdits(parsed.text, std::move(edits)).substr(sizeof(kAddPrefix) - 1);
}

Result<ForeignKeyDefinition> ParseForeignKey(const std::string& definition) {
  ZS_ASSIGN_OR_RETURN(ParsedConstraint parsed,
                      ParseConstraintOfType(definition, "CONSTR_FOREIGN", "FOREIGN KEY"));
  JsonValue pktable = parsed.constraint["pktable"];
  if (!pktable.exists()) return InvalidInput("`" + definition + "` names no referenced table");
  ForeignKeyDefinition fk;
  fk.columns = StringList(parsed.constraint, "fk_attrs");
  fk.referenced_schema = StringField(pktable, "schemaname");
  fk.referenced_table = StringField(pktable, "relname");
  fk.referenced_columns = StringList(parsed.constraint, "pk_attrs");
  fk.set_columns = StringList(parsed.constraint, "fk_del_set_cols");
  fk.references_clause = "REFERENCES " + parsed.text.substr(LocationField(pktable));
  return fk;
}

Result<std::string> ConstraintDeferral(const std::string& definition) {
  ZS_ASSIGN_OR_RETURN(ParsedConstraint parsed, ParseConstraint(definition));
  if (!BoolField(parsed.constraint, "deferrable")) return std::string();
  return std::string(BoolField(parsed.constraint, "initdeferred") ? " DEFERRABLE INITIALLY DEFERRED"
                                                                  : " DEFERRABLE");
}

Result<std::vector<std::string>> IndexColumns(const std::string& definition) {
  ZS_ASSIGN_OR_RETURN(ParsedIndex parsed, ParseIndex(definition));
  std::vector<std::string> columns;
  auto add = [&](const std::string& name) {
    if (std::find(columns.begin(), columns.end(), name) == columns.end()) columns.push_back(name);
  };
  for (const NameAt& name : parsed.plain) add(name.name);
  std::vector<ColumnRefAt> refs;
  CollectRefs(parsed.index, refs);
  for (const ColumnRefAt& ref : refs) add(ref.fields.back());
  return columns;
}

Result<std::vector<std::string>> IndexPlainColumns(const std::string& definition) {
  ZS_ASSIGN_OR_RETURN(ParsedIndex parsed, ParseIndex(definition));
  std::vector<std::string> columns;
  for (const NameAt& name : parsed.plain) columns.push_back(name.name);
  return columns;
}

Result<std::string> DuplicateIndexSql(const std::string& definition, const std::string& name,
                                      const ColumnRenames& renames) {
  ZS_ASSIGN_OR_RETURN(ParsedIndex parsed, ParseIndex(definition));
  std::vector<Edit> edits;
  for (const NameAt& plain : parsed.plain) {
    auto rename = renames.find(plain.name);
    if (rename == renames.end()) continue;
    edits.push_back({plain.begin, plain.end, pg::QuoteIdent(rename->second)});
  }
  ZS_RETURN_IF_ERROR(RenameRefs(definition, parsed.index, "", renames, edits));
  std::string rewritten = ApplyEdits(definition, std::move(edits));
  JsonValue relation = parsed.index["relation"];
  bool only = relation.exists() && !BoolField(relation, "inh");
  return std::string("CREATE ") + (BoolField(parsed.index, "unique") ? "UNIQUE " : "") +
         "INDEX CONCURRENTLY " + pg::QuoteIdent(name) + " ON " + (only ? "ONLY " : "") +
         rewritten.substr(parsed.relation_begin);
}

Result<std::optional<SequenceName>> SequenceOfDefault(const std::string& default_expression) {
  const std::optional<SequenceName> kNoSequence;
  ZS_ASSIGN_OR_RETURN(ParseTree tree, ParseSql("SELECT " + default_expression));
  JsonValue targets = OnlyStatement(tree, "SelectStmt")["targetList"];
  if (!targets.is_array() || targets.size() != 1) return kNoSequence;
  JsonValue call = targets.front()["ResTarget"]["val"]["FuncCall"];
  if (!call.exists()) return kNoSequence;
  std::vector<std::string> function = StringList(call, "funcname");
  JsonValue args = call["args"];
  if (function.empty() || function.back() != "nextval" || !args.is_array() || args.size() != 1) {
    return kNoSequence;
  }
  JsonValue arg = args.front();
  if (JsonValue cast = arg["TypeCast"]; cast.exists()) arg = cast["arg"];
  JsonValue sval = arg["A_Const"]["sval"];
  if (!sval.exists()) return kNoSequence;
  // The literal holds a name as regclass reads it: parse it as one.
  std::string text = StringField(sval, "sval");
  ZS_ASSIGN_OR_RETURN(ParseTree name_tree, ParseSql("ALTER SEQUENCE " + text + " OWNED BY NONE"));
  JsonValue sequence = OnlyStatement(name_tree, "AlterSeqStmt")["sequence"];
  if (!sequence.exists()) {
    return InvalidInput("the default `" + default_expression + "` names no sequence");
  }
  return std::optional<SequenceName>(
      SequenceName{StringField(sequence, "schemaname"), StringField(sequence, "relname")});
}

}  // namespace zs::sqlcheck
