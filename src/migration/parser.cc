#include "migration/parser.h"

#include "migration/expected_form.h"
#include "migration/names.h"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cctype>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "migration/parts_format.h"
#include "migration/reading.h"
#include "ops/formats.h"

namespace zs::migration {
namespace {

constexpr std::uintmax_t kMaxFileBytes = 10 * 1024 * 1024;

// ---- Operation dispatch, through the registry of formats (ops/registry.h).

// The keys of the format, for messages.
const std::vector<std::string_view>& OperationKindNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const ops::OperationFormat& format : ops::OperationFormats()) out.push_back(format.kind);
    return out;
  }();
  return names;
}

Result<Operation> ParseOperation(const Source& src, const YAML::Node& node,
                                 const std::string& what) {
  if (!node.IsMap() || node.size() != 1) {
    std::string got =
        node.IsMap() ? fmt::format("{} keys", node.size()) : std::string(TypeName(node));
    return ErrorAt(src, node,
                   fmt::format("{} must be a mapping with exactly one key, the operation kind "
                               "(one of: {}), got {}; expected the form `{}`",
                               what, Join(OperationKindNames()), got, ExampleMapping(what)));
  }
  const auto entry = *node.begin();
  const YAML::Node& key = entry.first;
  static const std::string kNoKind;
  // A reference: an alias of a huge scalar must not be copied once per operation.
  const std::string& kind = key.IsScalar() ? key.Scalar() : kNoKind;
  for (const ops::OperationFormat& candidate : ops::OperationFormats()) {
    if (candidate.kind != kind) continue;
    Operation op;
    op.kind = kind;
    op.location = LocationOf(src, key);
    ZS_ASSIGN_OR_RETURN(op.body, candidate.parse(src, entry.second, kind));
    return op;
  }
  return ErrorAt(src, key,
                 fmt::format("unknown operation \"{}\" (expected one of: {}){}", kind,
                             Join(OperationKindNames()), Suggestion(kind, OperationKindNames())));
}

// The length of the UTF-8 sequence that starts `text` at `pos` and encodes a
// printable, non-format code point above U+009F; 0 when it does not.
size_t PrintableUtf8Length(std::string_view text, size_t pos) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(pos);
  size_t length = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
  if (length == 0 || lead > 0xF4 || pos + length > text.size()) return 0;
  uint32_t code = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(pos + i) & 0x3F);
  }
  bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  // C1 controls, no-break/zero-width spaces, line/paragraph separators, bidi
  // controls: they hide or reorder what a terminal shows.
  bool invisible = code < 0xA0 || code == 0xAD || (code >= 0x2000 && code <= 0x200F) ||
                   (code >= 0x2028 && code <= 0x202F) || (code >= 0x2060 && code <= 0x206F) ||
                   code == 0xFEFF || code > 0x10FFFF;
  return overlong || surrogate || invisible ? 0 : length;
}

// "migrations/02_split_name.yaml" -> "02_split_name".
std::string NameFromFile(const std::string& file_name) {
  std::filesystem::path path(file_name);
  std::string ext = path.extension().string();
  if (ext == ".yaml" || ext == ".yml" || ext == ".json") return path.stem().string();
  return path.filename().string();
}

Result<Migration> ParseDocument(const Source& src, const YAML::Node& doc) {
  ZS_ASSIGN_OR_RETURN(
      StrictMap m, StrictMap::Open(src, doc, "migration", {"name", "version_schema", "operations"},
                                   {"operations"}));
  Migration migration;
  migration.source_file = src.file;
  migration.name = NameFromFile(src.file);
  ZS_RETURN_IF_ERROR(m.Get("name", &migration.name));
  if (migration.name.empty()) {
    return InvalidInput(src.file + ": the migration has an empty name");
  }
  if (src.check_names) {
    ZS_RETURN_IF_ERROR(ValidateMigrationName(
        migration.name, fmt::format("{}: migration name{}", src.file,
                                    m.Find("name") ? "" : " (from the file name)")));
  }
  ZS_RETURN_IF_ERROR(m.Get("version_schema", &migration.version_schema));
  if (src.check_names && !migration.version_schema.empty()) {
    ZS_RETURN_IF_ERROR(
        ValidateMigrationName(migration.version_schema, src.file + ": version_schema"));
  }
  if (const YAML::Node* operations = m.Find("operations")) {
    UpgradeOlderForms(src.file, *operations, src.older_forms);
  }
  ZS_RETURN_IF_ERROR(m.GetList("operations", ParseOperation, &migration.operations));
  migration.raw_json = ToJson(migration);
  return migration;
}

// Where the latest two documents of a YAML stream started; the rest of the
// events is not needed.
class DocumentStarts : public YAML::EventHandler {
 public:
  YAML::Mark previous = YAML::Mark::null_mark();
  YAML::Mark last = YAML::Mark::null_mark();
  void OnDocumentStart(const YAML::Mark& mark) override {
    previous = last;
    last = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// yaml-cpp 0.7 (Debian 12's) reports a token that cannot start a node, such
// as a "," where a document begins, as an empty document without consuming
// it, so YAML::LoadAll collects empty documents until memory runs out: a
// one-byte file took 4 GB (jbeder/yaml-cpp#1040, fixed upstream after 0.8.0).
// A document that starts where the previous one did is that case; otherwise
// every document moves the parser on.
Status CheckDocumentsAdvance(const Source& src, const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  while (parser.HandleNextDocument(starts)) {
    if (starts.previous.is_null() || starts.previous.pos != starts.last.pos) continue;
    const YAML::Mark& mark = starts.last;
    size_t pos = static_cast<size_t>(mark.pos);
    bool printable = pos < text.size() && text[pos] > ' ' && text[pos] < 0x7f;
    return InvalidInput(fmt::format("{}:{}:{}: invalid YAML: unexpected {} where a value starts",
                                    src.file, mark.line + 1, mark.column + 1,
                                    printable ? fmt::format("\"{}\"", text[pos]) : "text"));
  }
  return Status::Ok();
}

Result<Migration> ParseText(const Source& src, const std::string& text) {
  ZS_RETURN_IF_ERROR(CheckDocumentsAdvance(src, text));
  std::vector<YAML::Node> docs = YAML::LoadAll(text);
  if (docs.empty() || docs[0].IsNull()) {
    return InvalidInput(src.file +
                        ": empty migration file (expected a mapping with \"operations\")");
  }
  if (docs.size() > 1) {
    return ErrorAt(src, docs[1], "a migration file must hold a single YAML document");
  }
  return ParseDocument(src, docs[0]);
}

// The operation as `{kind: body}`, the body in its own format (format.cc).
Json ToJsonValue(const Operation& op) {
  const ops::OperationFormat& format = ops::OperationFormats()[op.body.index()];
  Json j = Json::object();
  j[std::string(format.kind)] = format.to_json(op.body);
  return j;
}

}  // namespace

namespace {

// `name` in double quotes with every byte outside printable ASCII as \xNN, so
// that a message about a hostile name cannot break a line or a terminal.
std::string Escaped(const std::string& name) {
  std::string out = "\"";
  for (unsigned char c : name) {
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out + "\"";
}

}  // namespace

Status ValidateMigrationName(const std::string& name, const std::string& what) {
  constexpr size_t kMaxNameBytes = 63;
  auto refuse = [&](const std::string& why) {
    return InvalidInput(fmt::format(
        "{} {} {}; a migration name is 1 to 63 bytes of letters, digits, `_`, `-` and `.` "
        "(not first, and no `..`): rename it",
        what, Escaped(name), why));
  };
  if (name.empty()) return refuse("is empty");
  if (name.size() > kMaxNameBytes) {
    return refuse(fmt::format("is {} bytes long", name.size()));
  }
  if (name.front() == '.' || name.front() == '-') return refuse("starts with `.` or `-`");
  if (name.find("..") != std::string::npos) return refuse("contains `..`");
  for (size_t i = 0; i < name.size();) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c < 0x80) {
      if (!std::isalnum(c) && c != '_' && c != '-' && c != '.') {
        return refuse(c < 0x20 || c == 0x7F
                          ? fmt::format("contains the control character 0x{:02x}", c)
                          : fmt::format("contains `{}`", static_cast<char>(c)));
      }
      ++i;
      continue;
    }
    size_t length = PrintableUtf8Length(name, i);
    if (length == 0) {
      return refuse(
          fmt::format("contains byte 0x{:02x}, which is not a printable UTF-8 letter", c));
    }
    i += length;
  }
  return Status::Ok();
}

namespace {

Result<Migration> ParseChecked(const std::string& text, const std::string& file_name,
                               bool check_names, std::vector<OlderForm>* older_forms) {
  std::vector<OlderForm> ignored;
  // Without aliases every scalar is read about once and is no longer than its
  // text; twice the file plus 1 MiB leaves room for keys read again.
  Source src{.file = file_name,
             .element_budget = text.size() + 10000,
             .scalar_byte_budget = 2 * text.size() + (1 << 20),
             .check_names = check_names,
             .older_forms = older_forms ? older_forms : &ignored};
  try {
    return ParseText(src, text);
  } catch (const YAML::DeepRecursion& e) {
    return InvalidInput(fmt::format(
        "{}:{}:{}: invalid YAML: nested more than {} levels deep; a migration needs a handful",
        file_name, e.mark.line + 1, e.mark.column + 1, e.depth()));
  } catch (const YAML::Exception& e) {
    SourceLocation loc{file_name, 0, 0};
    if (e.mark.line >= 0) loc = {file_name, e.mark.line + 1, e.mark.column + 1};
    return InvalidInput(fmt::format("{}: invalid YAML: {}", loc.ToString(), e.msg));
  } catch (const std::exception& e) {
    return Internal(fmt::format("{}: reading the migration failed: {}", file_name, e.what()));
  }
}

}  // namespace

Result<Migration> ParseMigration(const std::string& text, const std::string& file_name) {
  return ParseChecked(text, file_name, /*check_names=*/true, nullptr);
}

Result<Migration> ParseMigration(const std::string& text, const std::string& file_name,
                                 std::vector<OlderForm>* older_forms) {
  return ParseChecked(text, file_name, /*check_names=*/true, older_forms);
}

Result<Migration> ParseStoredMigration(const std::string& text, const std::string& file_name) {
  return ParseChecked(text, file_name, /*check_names=*/false, nullptr);
}

namespace {

struct WarningState {
  std::mutex mutex;
  WarningSink sink = [](const std::string& message) {
    std::cerr << "zeroshift: warning: " << message << "\n";
  };
  std::set<std::string> warned_files;
};

WarningState& Warnings() {
  static WarningState state;
  return state;
}

// Says once per file and process that `path` uses older forms.
void WarnOlderForms(const std::string& path, const std::vector<OlderForm>& older_forms) {
  if (older_forms.empty()) return;
  WarningState& state = Warnings();
  std::lock_guard<std::mutex> lock(state.mutex);
  if (!state.warned_files.insert(path).second) return;
  if (state.sink) state.sink(OlderFormWarning(older_forms));
}

}  // namespace

WarningSink SetWarningSink(WarningSink sink) {
  WarningState& state = Warnings();
  std::lock_guard<std::mutex> lock(state.mutex);
  std::swap(state.sink, sink);
  state.warned_files.clear();
  return sink;
}

std::string OlderFormWarning(const std::vector<OlderForm>& older_forms) {
  if (older_forms.empty()) return "";
  const OlderForm& first = older_forms.front();
  std::string more = older_forms.size() > 1
                         ? fmt::format(" (and {} more older forms)", older_forms.size() - 1)
                         : "";
  std::filesystem::path dir = std::filesystem::path(first.location.file).parent_path();
  return fmt::format(
      "{}: the file uses an older form of the migration format: {}{}; it is read as the "
      "current form; `zeroshift update {}` rewrites it in the current form",
      first.location.ToString(), first.description, more, dir.empty() ? "." : dir.string());
}

Result<Migration> LoadMigrationFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return IoError(fmt::format("cannot read migration file {}: {}", path,
                               ec ? ec.message() : "not a regular file"));
  }
  std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return IoError(fmt::format("cannot read migration file {}: {}", path, ec.message()));
  if (size > kMaxFileBytes) {
    return InvalidInput(fmt::format(
        "migration file {} is {} bytes, more than the 10 MiB limit for a migration file", path,
        size));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || in.bad()) return IoError(fmt::format("cannot read migration file {}", path));
  std::vector<OlderForm> older_forms;
  Result<Migration> migration = ParseMigration(text.str(), path, &older_forms);
  if (migration.ok()) WarnOlderForms(path, older_forms);
  return migration;
}

std::string ToJson(const Migration& migration) {
  Json j = Json::object();
  j["name"] = migration.name;
  PutIf(j, "version_schema", migration.version_schema);
  Json operations = Json::array();
  for (const Operation& op : migration.operations) operations.push_back(ToJsonValue(op));
  j["operations"] = std::move(operations);
  // Compact, as it is stored in the state table; replace: a non-UTF-8 byte
  // must not make serialisation throw.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace zs::migration
