#include "migration/reading.h"

#include <cstdint>

namespace zs::migration {
namespace {

// The byte offset of the first NUL byte or invalid UTF-8 sequence in `text`
// (overlong forms, surrogates and code points past U+10FFFF included), or npos.
size_t FirstInvalidByte(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0) return i;
    size_t length = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xe  ? 3
                    : (c >> 3) == 0x1e ? 4
                                       : 0;
    if (length == 0 || i + length > text.size()) return i;
    uint32_t code = length == 1 ? c : c & (0x7f >> length);
    for (size_t k = 1; k < length; ++k) {
      unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return i;
      code = (code << 6) | (next & 0x3f);
    }
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return i;
    }
    i += length;
  }
  return std::string::npos;
}

}  // namespace

// Levenshtein distance, for "did you mean" suggestions.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

SourceLocation LocationOf(const Source& src, const YAML::Node& node) {
  YAML::Mark mark = node.Mark();
  if (mark.line < 0) return {src.file, 0, 0};
  return {src.file, mark.line + 1, mark.column + 1};
}

Status ErrorAt(const Source& src, const YAML::Node& node, const std::string& message) {
  return InvalidInput(LocationOf(src, node).ToString() + ": " + message);
}

std::string_view TypeName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "nothing";
  }
}

Status ReadString(const Source& src, const YAML::Node& node, const std::string& path,
                  std::string* out) {
  if (!node.IsScalar()) {
    return ErrorAt(src, node,
                   fmt::format("{} must be a string, got {}; expected the form `{}`", path,
                               TypeName(node), ExampleScalar(path, false)));
  }
  ZS_RETURN_IF_ERROR(CountScalarBytes(src, node));
  // A NUL would cut the text short for the SQL parser and for libpq, and
  // PostgreSQL rejects invalid UTF-8 only once something has already run.
  size_t bad = FirstInvalidByte(node.Scalar());
  if (bad != std::string::npos) {
    unsigned char byte = static_cast<unsigned char>(node.Scalar()[bad]);
    return ErrorAt(src, node,
                   fmt::format("{} has {} at byte {}; write the file as UTF-8 text without NUL "
                               "bytes",
                               path,
                               byte == 0 ? std::string("a NUL byte")
                                         : fmt::format("invalid UTF-8 (byte 0x{:02x})", byte),
                               bad + 1));
  }
  *out = node.Scalar();
  return Status::Ok();
}

Status CountElement(const Source& src, const YAML::Node& node) {
  if (++src.elements_read <= src.element_budget) return Status::Ok();
  return ErrorAt(src, node,
                 fmt::format("the migration expands to more than {} elements, more than a file "
                             "of its size can hold: YAML aliases (*name) repeat parts of it "
                             "over and over; write the migration out without them",
                             src.element_budget));
}

Status CountScalarBytes(const Source& src, const YAML::Node& node) {
  src.scalar_bytes_read += node.Scalar().size();
  if (src.scalar_bytes_read <= src.scalar_byte_budget) return Status::Ok();
  return ErrorAt(src, node,
                 fmt::format("the migration's strings expand to more than {} bytes, more than a "
                             "file of its size can hold: YAML aliases (*name) repeat a string "
                             "over and over; write the migration out without them",
                             src.scalar_byte_budget));
}

// Only plain (unquoted) true/false: a quoted "true" is a string in JSON Schema.
Status ReadBool(const Source& src, const YAML::Node& node, const std::string& path, bool* out) {
  static const Keys kTrue = {"true", "True", "TRUE"};
  static const Keys kFalse = {"false", "False", "FALSE"};
  bool plain = node.IsScalar() && node.Tag() != "!";
  static const std::string kNoText;
  // A reference: an alias of a huge scalar must not be copied once per use.
  const std::string& text = node.IsScalar() ? node.Scalar() : kNoText;
  if (plain && std::find(kTrue.begin(), kTrue.end(), text) != kTrue.end()) {
    *out = true;
  } else if (plain && std::find(kFalse.begin(), kFalse.end(), text) != kFalse.end()) {
    *out = false;
  } else if (node.IsScalar()) {
    return ErrorAt(src, node,
                   fmt::format("{} must be true or false, got \"{}\"; expected the form `{}` "
                               "(unquoted)",
                               path, text, ExampleScalar(path, true)));
  } else {
    return ErrorAt(src, node,
                   fmt::format("{} must be true or false, got {}; expected the form `{}`", path,
                               TypeName(node), ExampleScalar(path, true)));
  }
  return Status::Ok();
}

Result<StrictMap> StrictMap::Open(const Source& src, const YAML::Node& node, std::string what,
                                  Keys allowed, Keys required) {
  if (!node.IsMap()) {
    return ErrorAt(src, node,
                   fmt::format("{} must be a mapping, got {}; expected the form `{}`", what,
                               TypeName(node), ExampleMapping(what)));
  }
  StrictMap map(src, node, std::move(what));
  ZS_RETURN_IF_ERROR(map.CheckKeys(allowed, required));
  return map;
}

Status StrictMap::CheckKeys(Keys allowed, Keys required) {
  for (const auto& entry : node_) {
    const YAML::Node& key_node = entry.first;
    ZS_RETURN_IF_ERROR(CountElement(*src_, key_node));
    if (!key_node.IsScalar()) {
      return ErrorAt(*src_, key_node,
                     fmt::format("keys of {} must be strings, got {}; expected the form `{}`",
                                 what_, TypeName(key_node), ExampleMapping(what_)));
    }
    std::string key;
    ZS_RETURN_IF_ERROR(ReadString(*src_, key_node, "a key of " + what_, &key));
    if (allowed.size() > 0 && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return ErrorAt(*src_, key_node,
                     fmt::format("unknown key \"{}\" in {} (expected one of: {}){}", key, what_,
                                 Join(allowed), Suggestion(key, allowed)));
    }
    if (Find(key)) {
      return ErrorAt(*src_, key_node, fmt::format("duplicate key \"{}\" in {}", key, what_));
    }
    entries_.emplace_back(key, entry.second);
    key_nodes_.push_back(key_node);
  }
  for (std::string_view key : required) {
    if (!Find(key)) {
      return ErrorAt(*src_, node_,
                     fmt::format("missing required key \"{}\" in {}; expected the form `{}`", key,
                                 what_, ExampleMapping(what_)));
    }
  }
  return Status::Ok();
}

}  // namespace zs::migration
