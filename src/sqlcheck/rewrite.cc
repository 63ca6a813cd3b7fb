#include "sqlcheck/rewrite.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "pg/quote.h"
#include "sqlcheck/expression.h"

namespace zs::sqlcheck {
namespace {

using nlohmann::json;

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

const json* Child(const json& node, const char* key) {
  if (!node.is_object()) return nullptr;
  auto it = node.find(key);
  return it == node.end() ? nullptr : &*it;
}

std::string StringField(const json& node, const char* key) {
  const json* value = Child(node, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : "";
}

size_t LocationField(const json& node) {
  const json* value = Child(node, "location");
  return value != nullptr && value->is_number_integer() && value->get<int>() >= 0
             ? static_cast<size_t>(value->get<int>())
             : 0;
}

bool BoolField(const json& node, const char* key) {
  const json* value = Child(node, key);
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

// The svals of a list of String nodes ("fk_attrs": [{"String": {"sval": "a"}}]).
std::vector<std::string> StringList(const json& node, const char* key) {
  std::vector<std::string> out;
  const json* list = Child(node, key);
  if (list == nullptr || !list->is_array()) return out;
  for (const json& item : *list) {
    const json* string = Child(item, "String");
    if (string != nullptr) out.push_back(StringField(*string, "sval"));
  }
  return out;
}

// The node of the only statement of `tree`, of kind `kind`, or nullptr.
const json* OnlyStatement(const json& tree, const char* kind) {
  const json* stmts = Child(tree, "stmts");
  if (stmts == nullptr || !stmts->is_array() || stmts->size() != 1) return nullptr;
  const json* stmt = Child((*stmts)[0], "stmt");
  return stmt == nullptr ? nullptr : Child(*stmt, kind);
}

// A column reference whose fields are all names (not "*").
struct ColumnRefAt {
  size_t location = 0;
  std::vector<std::string> fields;
};

void CollectRefs(const json& node, std::vector<ColumnRefAt>& out) {
  if (node.is_array()) {
    for (const json& child : node) CollectRefs(child, out);
    return;
  }
  if (!node.is_object()) return;
  for (const auto& [key, value] : node.items()) {
    if (key != "ColumnRef") {
      CollectRefs(value, out);
      continue;
    }
    ColumnRefAt ref{.location = LocationField(value), .fields = {}};
    const json* fields = Child(value, "fields");
    if (fields == nullptr || !fields->is_array()) continue;
    bool all_names = true;
    for (const json& field : *fields) {
      const json* string = Child(field, "String");
      if (string == nullptr) {
        all_names = false;
        break;
      }
      ref.fields.push_back(StringField(*string, "sval"));
    }
    if (all_names && !ref.fields.empty()) out.push_back(std::move(ref));
  }
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
Status RenameRefs(const std::string& text, const json& tree, const std::string& table,
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
  json tree;
  json constraint;  // the Constraint node
};

Result<ParsedConstraint> ParseConstraint(const std::string& definition) {
  ParsedConstraint parsed;
  parsed.text = kAddPrefix + WithoutNotValid(definition);
  ZS_ASSIGN_OR_RETURN(parsed.tree, ParseToJson(parsed.text));
  const json* alter = OnlyStatement(parsed.tree, "AlterTableStmt");
  const json* cmds = alter == nullptr ? nullptr : Child(*alter, "cmds");
  if (cmds != nullptr && cmds->is_array() && cmds->size() == 1) {
    const json* cmd = Child((*cmds)[0], "AlterTableCmd");
    const json* def = cmd == nullptr ? nullptr : Child(*cmd, "def");
    const json* constraint = def == nullptr ? nullptr : Child(*def, "Constraint");
    if (constraint != nullptr) {
      parsed.constraint = *constraint;
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
std::vector<std::string> ElemNames(const json& index, const char* list) {
  std::vector<std::string> names;
  const json* elems = Child(index, list);
  if (elems == nullptr || !elems->is_array()) return names;
  for (const json& elem : *elems) {
    const json* node = Child(elem, "IndexElem");
    if (node != nullptr && Child(*node, "name") != nullptr) {
      names.push_back(StringField(*node, "name"));
    }
  }
  return names;
}

struct ParsedIndex {
  json tree;
  json index;                 // the IndexStmt node
  size_t relation_begin = 0;  // where the table name starts, after ON [ONLY]
  std::vector<NameAt> plain;  // bare column names among keys and INCLUDE columns
};

Result<ParsedIndex> ParseIndex(const std::string& definition) {
  ParsedIndex parsed;
  ZS_ASSIGN_OR_RETURN(parsed.tree, ParseToJson(definition));
  const json* index = OnlyStatement(parsed.tree, "IndexStmt");
  const json* relation = index == nullptr ? nullptr : Child(*index, "relation");
  if (relation == nullptr) return InvalidInput("`" + definition + "` is not a CREATE INDEX");
  parsed.index = *index;
  parsed.relation_begin = LocationField(*relation);
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
  ZS_ASSIGN_OR_RETURN(json tree, ParseToJson(text));
  std::vector<Edit> edits;
  ZS_RETURN_IF_ERROR(RenameRefs(text, tree, table, renames, edits));
  std::string rewritten = ApplyEdits(text, std::move(edits));
  return rewritten.substr(prefix.size(), rewritten.size() - prefix.size() - suffix.size());
}

Result<std::string> RenameColumnsInCheck(const std::string& definition,
                                         const ColumnRenames& renames) {
  ZS_ASSIGN_OR_RETURN(ParsedConstraint parsed,
                      ParseConstraintOfType(definition, "CONSTR_CHECK", "CHECK"));
  std::vector<Edit> edits;
  ZS_RETURN_IF_ERROR(RenameRefs(parsed.text, parsed.tree, "", renames, edits));
  return ApplyEdits(parsed.text, std::move(edits)).substr(sizeof(kAddPrefix) - 1);
}

Result<ForeignKeyDefinition> ParseForeignKey(const std::string& definition) {
  ZS_ASSIGN_OR_RETURN(ParsedConstraint parsed,
                      ParseConstraintOfType(definition, "CONSTR_FOREIGN", "FOREIGN KEY"));
  const json* pktable = Child(parsed.constraint, "pktable");
  if (pktable == nullptr) return InvalidInput("`" + definition + "` names no referenced table");
  ForeignKeyDefinition fk;
  fk.columns = StringList(parsed.constraint, "fk_attrs");
  fk.referenced_schema = StringField(*pktable, "schemaname");
  fk.referenced_table = StringField(*pktable, "relname");
  fk.referenced_columns = StringList(parsed.constraint, "pk_attrs");
  fk.set_columns = StringList(parsed.constraint, "fk_del_set_cols");
  fk.references_clause = "REFERENCES " + parsed.text.substr(LocationField(*pktable));
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
  const json* relation = Child(parsed.index, "relation");
  bool only = relation != nullptr && !BoolField(*relation, "inh");
  return std::string("CREATE ") + (BoolField(parsed.index, "unique") ? "UNIQUE " : "") +
         "INDEX CONCURRENTLY " + pg::QuoteIdent(name) + " ON " + (only ? "ONLY " : "") +
         rewritten.substr(parsed.relation_begin);
}

Result<std::optional<SequenceName>> SequenceOfDefault(const std::string& default_expression) {
  const std::optional<SequenceName> kNoSequence;
  ZS_ASSIGN_OR_RETURN(json tree, ParseToJson("SELECT " + default_expression));
  const json* select = OnlyStatement(tree, "SelectStmt");
  const json* targets = select == nullptr ? nullptr : Child(*select, "targetList");
  if (targets == nullptr || !targets->is_array() || targets->size() != 1) return kNoSequence;
  const json* target = Child((*targets)[0], "ResTarget");
  const json* value = target == nullptr ? nullptr : Child(*target, "val");
  const json* call = value == nullptr ? nullptr : Child(*value, "FuncCall");
  if (call == nullptr) return kNoSequence;
  std::vector<std::string> function = StringList(*call, "funcname");
  const json* args = Child(*call, "args");
  if (function.empty() || function.back() != "nextval" || args == nullptr || !args->is_array() ||
      args->size() != 1) {
    return kNoSequence;
  }
  const json* arg = &(*args)[0];
  if (const json* cast = Child(*arg, "TypeCast"); cast != nullptr) arg = Child(*cast, "arg");
  const json* constant = arg == nullptr ? nullptr : Child(*arg, "A_Const");
  const json* sval = constant == nullptr ? nullptr : Child(*constant, "sval");
  if (sval == nullptr) return kNoSequence;
  // The literal holds a name as regclass reads it: parse it as one.
  std::string text = StringField(*sval, "sval");
  ZS_ASSIGN_OR_RETURN(json name_tree, ParseToJson("ALTER SEQUENCE " + text + " OWNED BY NONE"));
  const json* alter = OnlyStatement(name_tree, "AlterSeqStmt");
  const json* sequence = alter == nullptr ? nullptr : Child(*alter, "sequence");
  if (sequence == nullptr) {
    return InvalidInput("the default `" + default_expression + "` names no sequence");
  }
  return std::optional<SequenceName>(
      SequenceName{StringField(*sequence, "schemaname"), StringField(*sequence, "relname")});
}

}  // namespace zs::sqlcheck
