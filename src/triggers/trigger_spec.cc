#include "triggers/trigger_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <functional>

#include "ops/names.h"

namespace zs::triggers {

std::string ShortNameHash(const std::string& text) {
  return fmt::format("{:08x}", static_cast<uint32_t>(std::hash<std::string>{}(text)));
}

std::string TriggerName(const std::string& table, int op_index, const std::string& column,
                        Direction direction) {
  // PostgreSQL's limit, the smaller of the two: one name on every database.
  constexpr size_t kMaxNameBytes = 63;
  std::string name = fmt::format("_zs_{}_{:02d}_{}_{}", table, op_index, column,
                                 direction == Direction::kUp ? "up" : "down");
  if (name.size() <= kMaxNameBytes) return name;
  // Keep the ordering prefix readable and make the rest unique.
  std::string prefix = fmt::format("_zs_{:02d}_", op_index);
  std::string hash = ShortNameHash(name);
  // Cut on a character boundary: half a character is an invalid byte
  // sequence that every later statement naming the trigger would fail on.
  std::string middle = ops::ClipIdentifier(table, kMaxNameBytes - prefix.size() - hash.size() - 1);
  return prefix + middle + "_" + hash;
}

std::string MarkerColumnName() { return "_zs_synced"; }

std::vector<std::string> TargetColumns(const std::vector<TriggerSpec>& specs, Direction direction) {
  std::vector<std::string> out;
  for (const auto& spec : specs) {
    if (spec.direction != direction) continue;
    if (std::find(out.begin(), out.end(), spec.target_column) == out.end()) {
      out.push_back(spec.target_column);
    }
  }
  return out;
}

}  // namespace zs::triggers
