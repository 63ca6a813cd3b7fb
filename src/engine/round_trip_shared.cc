#include "engine/round_trip_shared.h"

#include <fmt/format.h>

#include <algorithm>

namespace zs::engine {

namespace {

std::string RoundTripTruncate(const std::string& value, int chars) {
  if (static_cast<int>(value.size()) <= chars) return value;
  size_t cut = static_cast<size_t>(chars);
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return value.substr(0, cut) + "...";
}

}  // namespace

std::vector<RoundTripPairs> GroupRoundTripPairs(const std::vector<triggers::TriggerSpec>& specs) {
  std::vector<RoundTripPairs> out;
  for (const auto& spec : specs) {
    auto same = std::find_if(out.begin(), out.end(), [&](const RoundTripPairs& p) {
      return p.schema == spec.schema && p.table == spec.table;
    });
    if (same == out.end()) {
      out.push_back({spec.schema, spec.table, {}, {}});
      same = out.end() - 1;
    }
    (spec.direction == triggers::Direction::kUp ? same->ups : same->downs).push_back(&spec);
  }
  return out;
}

std::string RoundTripEscaped(const std::string& text, int chars) {
  std::string out;
  for (char ch : RoundTripTruncate(text, chars)) {
    unsigned char c = static_cast<unsigned char>(ch);
    out += c < 0x20 || c == 0x7F ? fmt::format("\\x{:02x}", c) : std::string(1, ch);
  }
  return out;
}

std::string RoundTripShown(const std::optional<std::string>& value, int chars) {
  return value ? "'" + RoundTripEscaped(*value, chars) + "'" : "NULL";
}

std::string RoundTripWarning(const std::string& table, const std::string& column, long long lossy,
                             long long sampled, const std::string& examples) {
  // Named by column, not by expression: the resolved text (zs_row.first_name
  // || ' '::text ...) is not what the user wrote.
  return fmt::format(
      "{}.{}: its `down` does not give back what the `up` expressions took from {} of {} "
      "sampled rows, so a write through the new version would change them for the old "
      "version's clients; make `up` keep everything `down` needs (or accept the loss): {}",
      table, column, lossy, sampled, examples);
}

}  // namespace zs::engine
