// What the PostgreSQL and the MariaDB round-trip checks share (round_trip.h):
// the pairs of a table, and how values and warnings are shown.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "triggers/dual_write.h"

namespace zs::engine {

// The checks of one table: its `up` specs in trigger order (each sees what
// the earlier ones filled) and the `down` specs that read what they fill.
struct RoundTripPairs {
  std::string schema;
  std::string table;
  std::vector<const triggers::TriggerSpec*> ups;
  std::vector<const triggers::TriggerSpec*> downs;
};

std::vector<RoundTripPairs> GroupRoundTripPairs(const std::vector<triggers::TriggerSpec>& specs);

// A value as a message shows it: cut, control characters escaped (a value
// must not move the terminal's cursor or break a plan's comment line).
std::string RoundTripEscaped(const std::string& text, int chars);
// Quoted and escaped, or NULL.
std::string RoundTripShown(const std::optional<std::string>& value, int chars);

// The warning for a lossy `down` of `table`.`column`.
std::string RoundTripWarning(const std::string& table, const std::string& column, long long lossy,
                             long long sampled, const std::string& examples);

}  // namespace zs::engine
