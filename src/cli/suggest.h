// "Did you mean": the closest of a set of names to a mistyped one.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace zs::cli {

// Edit distance in bytes: insertions, deletions, substitutions and swaps of
// two neighbours (the optimal string alignment distance), each costing 1.
size_t EditDistance(const std::string& a, const std::string& b);

// The candidate closest to `typed`, when it is close enough to be a typo
// (at most a third of its letters differ, at least one) or `typed` is a prefix
// of exactly one of them; nullopt otherwise. Ties go to the first candidate.
std::optional<std::string> ClosestName(const std::string& typed,
                                       const std::vector<std::string>& candidates);

}  // namespace zs::cli
