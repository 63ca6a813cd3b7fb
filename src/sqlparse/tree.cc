#include "sqlparse/tree.h"

#include <algorithm>
#include <charconv>

namespace zs::sqlparse {

bool JsonValue::is_object() const {
  return doc_ != nullptr && doc_->slots_[index_].kind == JsonDoc::Kind::kObject;
}
bool JsonValue::is_array() const {
  return doc_ != nullptr && doc_->slots_[index_].kind == JsonDoc::Kind::kArray;
}
bool JsonValue::is_string() const {
  return doc_ != nullptr && doc_->slots_[index_].kind == JsonDoc::Kind::kString;
}
bool JsonValue::is_number() const {
  return doc_ != nullptr && doc_->slots_[index_].kind == JsonDoc::Kind::kNumber;
}

JsonValue JsonValue::operator[](std::string_view key) const {
  if (!is_object()) return {};
  for (JsonValue child : *this) {
    if (child.key() == key) return child;
  }
  return {};
}

size_t JsonValue::size() const {
  if (!is_object() && !is_array()) return 0;
  return doc_->slots_[index_].count;
}

JsonValue JsonValue::front() const { return size() > 0 ? *begin() : JsonValue(); }

std::string_view JsonValue::str() const { return is_string() ? doc_->slots_[index_].text : ""; }

int64_t JsonValue::int_or(int64_t fallback) const {
  return is_number() ? doc_->slots_[index_].number : fallback;
}

bool JsonValue::is_true() const {
  return doc_ != nullptr && doc_->slots_[index_].kind == JsonDoc::Kind::kTrue;
}

std::string_view JsonValue::key() const { return doc_ ? doc_->slots_[index_].key : ""; }

std::string_view JsonValue::type() const {
  if (!is_object() || size() != 1) return "";
  return (*begin()).key();
}

JsonValue JsonValue::inner() const {
  if (!is_object() || size() != 1) return {};
  return *begin();
}

JsonValue::Iterator& JsonValue::Iterator::operator++() {
  index_ = doc_->slots_[index_].next;
  return *this;
}

JsonValue::Iterator JsonValue::begin() const {
  if (!is_object() && !is_array()) return end();
  return Iterator(doc_, index_ + 1);
}

JsonValue::Iterator JsonValue::end() const {
  if (doc_ == nullptr) return Iterator(nullptr, 0);
  const JsonDoc::Slot& slot = doc_->slots_[index_];
  if (slot.kind != JsonDoc::Kind::kObject && slot.kind != JsonDoc::Kind::kArray) {
    return Iterator(doc_, index_ + 1);
  }
  return Iterator(doc_, slot.next);
}

std::string JsonValue::Canonical(std::string_view skip_key) const {
  std::string out;
  if (doc_ == nullptr) return out;
  const auto& slots = doc_->slots_;
  std::vector<uint32_t> ends;  // `next` of each open container
  const uint32_t end = slots[index_].next;
  for (uint32_t i = index_; i < end; ++i) {
    while (!ends.empty() && i >= ends.back()) {
      out += ')';
      ends.pop_back();
    }
    const JsonDoc::Slot& slot = slots[i];
    if (i != index_) {
      if (slot.key == skip_key) {
        i = slot.next - 1;
        continue;
      }
      out += slot.key;
      out += ':';
    }
    switch (slot.kind) {
      case JsonDoc::Kind::kObject:
      case JsonDoc::Kind::kArray:
        out += slot.kind == JsonDoc::Kind::kObject ? "{(" : "[(";
        ends.push_back(slot.next);
        break;
      case JsonDoc::Kind::kString:
        out += '"';
        out += slot.text;
        out += "\",";
        break;
      case JsonDoc::Kind::kNumber:
        out += slot.text;
        out += ',';
        break;
      case JsonDoc::Kind::kTrue:
        out += "t,";
        break;
      case JsonDoc::Kind::kFalse:
        out += "f,";
        break;
      case JsonDoc::Kind::kNull:
        out += "n,";
        break;
    }
  }
  while (!ends.empty()) {
    out += ')';
    ends.pop_back();
  }
  return out;
}

size_t JsonValue::Depth() const {
  if (doc_ == nullptr) return 0;
  const auto& slots = doc_->slots_;
  std::vector<uint32_t> ends;  // `next` of each open container
  size_t deepest = 0;
  const uint32_t end = slots[index_].next;
  for (uint32_t i = index_; i < end; ++i) {
    while (!ends.empty() && i >= ends.back()) ends.pop_back();
    deepest = std::max(deepest, ends.size() + 1);
    const JsonDoc::Kind kind = slots[i].kind;
    if (kind == JsonDoc::Kind::kObject || kind == JsonDoc::Kind::kArray) {
      ends.push_back(slots[i].next);
    }
  }
  return deepest;
}

namespace {

void SkipSpace(std::string_view json, size_t& pos) {
  while (pos < json.size() &&
         (json[pos] == ' ' || json[pos] == '\n' || json[pos] == '\r' || json[pos] == '\t')) {
    ++pos;
  }
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool Hex4(std::string_view json, size_t pos, uint32_t& value) {
  if (pos + 4 > json.size()) return false;
  value = 0;
  for (size_t i = pos; i < pos + 4; ++i) {
    char c = json[i];
    value <<= 4;
    if (c >= '0' && c <= '9') {
      value |= static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      value |= static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      value |= static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

// REQUIRES: json[pos] == '"'. Leaves pos after the closing quote.
bool JsonDoc::ParseString(std::string_view json, size_t& pos, std::string_view& out) {
  size_t start = ++pos;
  size_t end = json.find_first_of("\"\\", start);
  if (end == std::string_view::npos) return false;
  if (json[end] == '"') {
    out = json.substr(start, end - start);
    pos = end + 1;
    return true;
  }
  std::string decoded(json.substr(start, end - start));
  pos = end;
  while (pos < json.size()) {
    char c = json[pos];
    if (c == '"') {
      ++pos;
      decoded_.push_back(std::move(decoded));
      out = decoded_.back();
      return true;
    }
    if (c != '\\') {
      decoded += c;
      ++pos;
      continue;
    }
    if (pos + 1 >= json.size()) return false;
    char e = json[pos + 1];
    pos += 2;
    switch (e) {
      case '"':
        decoded += '"';
        break;
      case '\\':
        decoded += '\\';
        break;
      case '/':
        decoded += '/';
        break;
      case 'b':
        decoded += '\b';
        break;
      case 'f':
        decoded += '\f';
        break;
      case 'n':
        decoded += '\n';
        break;
      case 'r':
        decoded += '\r';
        break;
      case 't':
        decoded += '\t';
        break;
      case 'u': {
        uint32_t cp = 0;
        if (!Hex4(json, pos, cp)) return false;
        pos += 4;
        uint32_t low = 0;
        if (cp >= 0xD800 && cp < 0xDC00 && pos + 6 <= json.size() && json[pos] == '\\' &&
            json[pos + 1] == 'u' && Hex4(json, pos + 2, low) && low >= 0xDC00 && low < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          pos += 6;
        }
        AppendUtf8(decoded, cp);
        break;
      }
      default:
        return false;
    }
  }
  return false;
}

bool JsonDoc::ParseNumber(std::string_view json, size_t& pos, Slot& slot) {
  size_t start = pos;
  while (pos < json.size() &&
         (json[pos] == '-' || json[pos] == '+' || json[pos] == '.' || json[pos] == 'e' ||
          json[pos] == 'E' || (json[pos] >= '0' && json[pos] <= '9'))) {
    ++pos;
  }
  if (pos == start) return false;
  slot.kind = Kind::kNumber;
  slot.text = json.substr(start, pos - start);
  // Integers only: libpg_query writes floats as strings. A float here keeps number 0.
  std::from_chars(json.data() + start, json.data() + pos, slot.number);
  return true;
}

bool JsonDoc::Parse(std::string_view json, std::string* error) {
  slots_.clear();
  decoded_.clear();
  slots_.reserve(json.size() / 16 + 4);
  // Open containers (indices into slots_), innermost last.
  std::vector<uint32_t> open;
  size_t pos = 0;
  auto fail = [&](const char* what) {
    if (error) *error = std::string(what) + " at byte " + std::to_string(pos);
    slots_.clear();
    return false;
  };
  bool expect_value = true;
  std::string_view pending_key;
  while (true) {
    SkipSpace(json, pos);
    if (pos >= json.size()) return fail("unexpected end of JSON");
    char c = json[pos];
    if (!expect_value) {
      // After a value: a comma, or the end of the innermost container.
      if (open.empty()) return fail("trailing characters");
      Slot& container = slots_[open.back()];
      char close = container.kind == Kind::kObject ? '}' : ']';
      if (c == ',') {
        ++pos;
        expect_value = true;
      } else if (c == close) {
        ++pos;
        container.next = static_cast<uint32_t>(slots_.size());
        open.pop_back();
        if (open.empty()) {
          SkipSpace(json, pos);
          return pos == json.size() ? true : fail("trailing characters");
        }
        continue;
      } else {
        return fail("expected ',' or the end of a container");
      }
      // An object member starts with its key.
      if (slots_[open.back()].kind == Kind::kObject) {
        SkipSpace(json, pos);
        if (pos >= json.size() || json[pos] != '"') return fail("expected a key");
        if (!ParseString(json, pos, pending_key)) return fail("bad key");
        SkipSpace(json, pos);
        if (pos >= json.size() || json[pos] != ':') return fail("expected ':'");
        ++pos;
      }
      continue;
    }
    if (slots_.size() >= UINT32_MAX - 1) return fail("document too large");
    Slot slot;
    slot.key = pending_key;
    pending_key = {};
    if (!open.empty()) ++slots_[open.back()].count;
    const uint32_t index = static_cast<uint32_t>(slots_.size());
    slot.next = index + 1;
    if (c == '{' || c == '[') {
      slot.kind = c == '{' ? Kind::kObject : Kind::kArray;
      ++pos;
      slots_.push_back(slot);
      open.push_back(index);
      SkipSpace(json, pos);
      char close = c == '{' ? '}' : ']';
      if (pos < json.size() && json[pos] == close) {
        ++pos;
        slots_[index].next = index + 1;
        open.pop_back();
        expect_value = false;
        if (open.empty()) {
          SkipSpace(json, pos);
          return pos == json.size() ? true : fail("trailing characters");
        }
        continue;
      }
      if (c == '{') {
        if (pos >= json.size() || json[pos] != '"') return fail("expected a key");
        if (!ParseString(json, pos, pending_key)) return fail("bad key");
        SkipSpace(json, pos);
        if (pos >= json.size() || json[pos] != ':') return fail("expected ':'");
        ++pos;
      }
      continue;
    }
    if (c == '"') {
      slot.kind = Kind::kString;
      if (!ParseString(json, pos, slot.text)) return fail("bad string");
    } else if (json.compare(pos, 4, "true") == 0) {
      slot.kind = Kind::kTrue;
      pos += 4;
    } else if (json.compare(pos, 5, "false") == 0) {
      slot.kind = Kind::kFalse;
      pos += 5;
    } else if (json.compare(pos, 4, "null") == 0) {
      slot.kind = Kind::kNull;
      pos += 4;
    } else if (!ParseNumber(json, pos, slot)) {
      return fail("unexpected character");
    }
    slots_.push_back(slot);
    expect_value = false;
    if (open.empty()) {
      SkipSpace(json, pos);
      return pos == json.size() ? true : fail("trailing characters");
    }
  }
}

}  // namespace zs::sqlparse
