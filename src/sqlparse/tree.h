// The one parse-tree type of zeroshift: a read-only JSON document holding
// libpg_query's parse trees (sqlparse/parser.h makes them; lint, convert,
// sqlcheck and the engine walk them). Parsed without recursion (a hostile
// statement nests deeper than recursive descent could follow), into one flat
// array in document order, with strings viewing the source text unless they
// had escapes.
//
// Chosen over nlohmann::json, the other tree zeroshift used to walk, because
// it is the cheaper one to build: one allocation for all slots instead of one
// per node, key and string. Measured 2026-12-07 on the 4.8 MB parse tree of
// 4 000 DDL statements (-O2, shared 2-core machine): 39 ms to read against
// 165 ms for nlohmann::json::parse, while libpg_query itself took 29 ms to
// parse the SQL; lint reads every statement of every file. Iterating and
// measuring depth are loops over the flat array, never recursion. Objects
// keep the parser's member order (the node's field order), not sorted keys.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace zs::sqlparse {

class JsonDoc;

// A value of a JsonDoc, or "missing" (exists() false) for an absent key or index.
// Cheap to copy. REQUIRES: the JsonDoc outlives it.
class JsonValue {
 public:
  JsonValue() = default;

  bool exists() const { return doc_ != nullptr; }
  bool is_object() const;
  bool is_array() const;
  bool is_string() const;
  bool is_number() const;

  // The member `key` of an object; missing otherwise.
  JsonValue operator[](std::string_view key) const;
  // Elements of an array or member values of an object.
  size_t size() const;
  // The first element or member value; missing when there is none.
  JsonValue front() const;
  // The string value; "" for anything else.
  std::string_view str() const;
  // The integer value, or `fallback` for anything else.
  int64_t int_or(int64_t fallback) const;
  // True only for the literal `true`.
  bool is_true() const;
  // The key under which this value is a member of its object ("" otherwise).
  std::string_view key() const;

  // libpg_query wraps each polymorphic node in an object with one member named
  // after its type: {"ColumnRef": {...}}. type() is that name ("" for anything
  // else); inner() the member's value.
  std::string_view type() const;
  JsonValue inner() const;

  class Iterator {
   public:
    JsonValue operator*() const { return JsonValue(doc_, index_); }
    Iterator& operator++();
    bool operator!=(const Iterator& other) const { return index_ != other.index_; }

   private:
    friend class JsonValue;
    Iterator(const JsonDoc* doc, uint32_t index) : doc_(doc), index_(index) {}
    const JsonDoc* doc_;
    uint32_t index_;
  };
  // Children of an array or object (nothing for scalars and missing values).
  Iterator begin() const;
  Iterator end() const;

  // A canonical text of this value and everything inside it, leaving out
  // members named `skip_key` (e.g. "location") and this value's own key: two
  // subtrees are equal but for positions when their canonical texts are.
  std::string Canonical(std::string_view skip_key) const;

  // Calls fn(value) for every value nested anywhere inside this one, in
  // document order. Iterative: the document is stored flat, in that order.
  template <typename Fn>
  void ForEachDescendant(Fn&& fn) const;

  // The depth of the deepest value in this one (a scalar alone is 1, an
  // object holding a scalar 2). Iterative, like everything here.
  size_t Depth() const;

 private:
  friend class JsonDoc;
  JsonValue(const JsonDoc* doc, uint32_t index) : doc_(doc), index_(index) {}
  const JsonDoc* doc_ = nullptr;
  uint32_t index_ = 0;
};

class JsonDoc {
 public:
  // Parses `json`. On malformed input returns false and sets `error`.
  // `json` must outlive the document (strings view into it).
  bool Parse(std::string_view json, std::string* error);
  JsonValue root() const { return slots_.empty() ? JsonValue() : JsonValue(this, 0); }

 private:
  friend class JsonValue;
  enum class Kind : uint8_t { kNull, kFalse, kTrue, kNumber, kString, kArray, kObject };
  struct Slot {
    Kind kind = Kind::kNull;
    uint32_t next = 0;   // index just past this value and everything inside it
    uint32_t count = 0;  // children of an array or object
    int64_t number = 0;
    std::string_view key;
    std::string_view text;  // string value; the number's text
  };

  bool ParseString(std::string_view json, size_t& pos, std::string_view& out);
  bool ParseNumber(std::string_view json, size_t& pos, Slot& slot);

  std::vector<Slot> slots_;
  std::deque<std::string> decoded_;  // strings that had escapes
};

template <typename Fn>
void JsonValue::ForEachDescendant(Fn&& fn) const {
  if (doc_ == nullptr) return;
  const uint32_t end = doc_->slots_[index_].next;
  for (uint32_t i = index_ + 1; i < end; ++i) fn(JsonValue(doc_, i));
}

}  // namespace zs::sqlparse
