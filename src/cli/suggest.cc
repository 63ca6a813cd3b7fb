#include "cli/suggest.h"

#include <algorithm>

namespace zs::cli {

size_t EditDistance(const std::string& a, const std::string& b) {
  // d[i][j]: distance between the first i bytes of a and the first j of b.
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);  // two letters swapped
      }
    }
  }
  return d[a.size()][b.size()];
}

std::optional<std::string> ClosestName(const std::string& typed,
                                       const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t best_distance = std::max<size_t>(1, typed.size() / 3) + 1;
  for (const std::string& candidate : candidates) {
    size_t distance = EditDistance(typed, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (best) return best;
  std::vector<std::string> prefixed;
  std::copy_if(candidates.begin(), candidates.end(), std::back_inserter(prefixed),
               [&](const std::string& c) { return !typed.empty() && c.starts_with(typed); });
  if (prefixed.size() == 1) return prefixed.front();
  return std::nullopt;
}

}  // namespace zs::cli
