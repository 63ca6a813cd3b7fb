#include "state/step.h"

#include <fmt/format.h>

namespace zs::state {

std::string_view StepName(Step step) {
  switch (step) {
    case Step::kStarting:
      return "starting";
    case Step::kBackfilling:
      return "backfilling";
    case Step::kActive:
      return "active";
    case Step::kCompleting:
      return "completing";
    case Step::kRollingBack:
      return "rolling_back";
    case Step::kDone:
      return "done";
  }
  return "unknown";  // not reached: every enumerator is handled above
}

Result<Step> StepFromStored(std::string_view stored, std::string_view migration) {
  for (Step step : kAllSteps) {
    if (StepName(step) == stored) return step;
  }
  return Internal(fmt::format(
      "migration \"{}\" is at step \"{}\" in zeroshift.migrations, which this zeroshift does not "
      "know; a newer zeroshift probably wrote it: run that version (or a later one) to finish "
      "or roll back the migration",
      migration, stored));
}

}  // namespace zs::state
