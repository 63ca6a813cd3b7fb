// YAML and JSON text of a converted migration.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <string_view>

#include "convert/convert.h"
#include "migration/parser.h"

namespace zs::convert {
namespace {

using Json = nlohmann::json;

// The order pgroll's documentation writes keys in; others follow, sorted.
constexpr std::array<std::string_view, 30> kKeyOrder = {"name",
                                                        "operations",
                                                        "table",
                                                        "from",
                                                        "to",
                                                        "column",
                                                        "columns",
                                                        "type",
                                                        "nullable",
                                                        "pk",
                                                        "unique",
                                                        "default",
                                                        "check",
                                                        "constraint",
                                                        "references",
                                                        "generated",
                                                        "identity",
                                                        "comment",
                                                        "predicate",
                                                        "method",
                                                        "storage_parameters",
                                                        "index_parameters",
                                                        "constraints",
                                                        "match_type",
                                                        "on_delete",
                                                        "on_update",
                                                        "up",
                                                        "down",
                                                        "onComplete",
                                                        "no_inherit"};

size_t KeyRank(const std::string& key) {
  auto it = std::find(kKeyOrder.begin(), kKeyOrder.end(), key);
  return static_cast<size_t>(it - kKeyOrder.begin());
}

std::vector<std::string> OrderedKeys(const Json& object) {
  std::vector<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.push_back(it.key());
  std::stable_sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
    size_t ra = KeyRank(a), rb = KeyRank(b);
    return ra != rb ? ra < rb : a < b;
  });
  return keys;
}

bool LooksLikeNumber(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789+-.eE_xXoObB") == std::string_view::npos;
}

// Whether `s` can be written as a YAML plain scalar and read back as the same string.
bool PlainSafe(std::string_view s) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ') return false;
  static constexpr std::string_view kReserved[] = {"true", "false", "null", "yes", "no",   "on",
                                                   "off",  "y",     "n",    "~",   "True", "False",
                                                   "TRUE", "FALSE", "Null", "NULL"};
  for (std::string_view word : kReserved) {
    if (s == word) return false;
  }
  if (LooksLikeNumber(s)) return false;
  char first = s.front();
  bool starts_ok = (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') ||
                   first == '_' || first == '(' || (first >= '0' && first <= '9');
  if (!starts_ok) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c == ':' && (i + 1 == s.size() || s[i + 1] == ' ')) return false;
    if (c == '#' && i > 0 && s[i - 1] == ' ') return false;
  }
  return true;
}

std::string Scalar(const Json& value) {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    return PlainSafe(s) ? s : Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return value.dump();
}

// A multi-line string as a literal block, when YAML keeps it unchanged.
bool LiteralBlockSafe(const std::string& s) {
  if (s.find('\n') == std::string::npos || s.front() == ' ' || s.front() == '\n') return false;
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
  }
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find('\n', pos);
    std::string_view line(s.data() + pos, (end == std::string::npos ? s.size() : end) - pos);
    if (!line.empty() && line.back() == ' ') return false;
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return true;
}

void EmitValue(const Json& value, int indent, std::string& out);

void EmitBlockString(const std::string& s, int indent, std::string& out) {
  out += s.back() == '\n' ? "|\n" : "|-\n";
  std::string pad(indent, ' ');
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find('\n', pos);
    if (end == std::string::npos) end = s.size();
    std::string_view line(s.data() + pos, end - pos);
    out += line.empty() ? "" : pad + std::string(line);
    out += "\n";
    pos = end + 1;
  }
}

void EmitMapping(const Json& object, int indent, std::string& out, bool first_inline) {
  std::string pad(indent, ' ');
  bool first = true;
  for (const std::string& key : OrderedKeys(object)) {
    if (!(first && first_inline)) out += pad;
    first = false;
    out += key + ":";
    EmitValue(object[key], indent + 2, out);
  }
}

// Writes " value\n" or a nested block after "key:".
void EmitValue(const Json& value, int indent, std::string& out) {
  if (value.is_object()) {
    if (value.empty()) {
      out += " {}\n";
      return;
    }
    out += "\n";
    EmitMapping(value, indent, out, false);
  } else if (value.is_array()) {
    if (value.empty()) {
      out += " []\n";
      return;
    }
    out += "\n";
    std::string pad(indent, ' ');
    for (const Json& item : value) {
      out += pad + "- ";
      if (item.is_object() && !item.empty()) {
        EmitMapping(item, indent + 2, out, true);
      } else if (item.is_string() && LiteralBlockSafe(item.get<std::string>())) {
        EmitBlockString(item.get<std::string>(), indent + 2, out);
      } else {
        out += Scalar(item) + "\n";
      }
    }
  } else if (value.is_string() && LiteralBlockSafe(value.get<std::string>())) {
    out += " ";
    EmitBlockString(value.get<std::string>(), indent, out);
  } else {
    out += " " + Scalar(value) + "\n";
  }
}

Json Document(const migration::Migration& migration) {
  Json doc = Json::parse(migration::ToJson(migration));
  if (migration.name.empty()) doc.erase("name");
  return doc;
}

}  // namespace

std::string ToYaml(const migration::Migration& migration) {
  std::string out;
  EmitMapping(Document(migration), 0, out, false);
  return out;
}

std::string ToPrettyJson(const migration::Migration& migration) {
  Json doc = Document(migration);
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace zs::convert
