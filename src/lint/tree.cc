#include "lint/tree.h"

#include <cctype>
#include <string>

namespace zs::lint {

std::string SqlIdent(std::string_view name) {
  bool plain = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) plain = false;
  }
  if (plain) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string RelationName::Display() const {
  return schema.empty() ? SqlIdent(name) : SqlIdent(schema) + "." + SqlIdent(name);
}

RelationName Relation(JsonValue range_var) {
  RelationName out;
  out.schema = std::string(range_var["schemaname"].str());
  out.name = std::string(range_var["relname"].str());
  out.location = Location(range_var);
  return out;
}

std::string_view StringNode(JsonValue node) {
  if (node.type() != "String") return "";
  return node.inner()["sval"].str();
}

std::vector<std::string_view> StringList(JsonValue list) {
  std::vector<std::string_view> out;
  for (JsonValue item : list) out.push_back(StringNode(item));
  return out;
}

int64_t Location(JsonValue body) { return body["location"].int_or(-1); }

std::optional<int64_t> IntConst(JsonValue node) {
  if (node.type() != "A_Const") return std::nullopt;
  JsonValue ival = node.inner()["ival"];
  if (!ival.exists()) return std::nullopt;
  return ival["ival"].int_or(0);
}

std::optional<std::string_view> StringConst(JsonValue node) {
  if (node.type() != "A_Const") return std::nullopt;
  JsonValue sval = node.inner()["sval"];
  if (!sval.exists()) return std::nullopt;
  return sval["sval"].str();
}

std::string_view FuncName(JsonValue func_call_body) {
  JsonValue names = func_call_body["funcname"];
  if (names.size() == 0) return "";
  std::string_view last;
  for (JsonValue name : names) last = StringNode(name);
  return last;
}

std::string_view FuncSchema(JsonValue func_call_body) {
  JsonValue names = func_call_body["funcname"];
  if (names.size() < 2) return "";
  return StringNode(*names.begin());
}

JsonValue FindDefElem(JsonValue options, std::string_view name) {
  for (JsonValue option : options) {
    if (option.type() == "DefElem" && option.inner()["defname"].str() == name) {
      return option.inner();
    }
  }
  return {};
}

bool OptionIsOn(JsonValue options, std::string_view name) {
  JsonValue option = FindDefElem(options, name);
  if (!option.exists()) return false;
  JsonValue arg = option["arg"];
  if (!arg.exists()) return true;
  // The parser leaves out an Integer's ival when it is 0.
  if (arg.type() == "Integer") return arg.inner()["ival"].int_or(0) != 0;
  if (arg.type() == "Boolean") return arg.inner()["boolval"].is_true();
  std::string value(StringNode(arg));
  for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return value != "false" && value != "off" && value != "0";
}

}  // namespace zs::lint
