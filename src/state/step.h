// The step of a migration, as zeroshift.migrations.step stores it. The
// stored strings are the format: a newer zeroshift may add a step, so an
// unknown string is refused with a message, never guessed.
#pragma once

#include <array>
#include <string_view>

#include "core/status.h"

namespace zs::state {

// Steps of a migration, in order. A migration is "active" until done.
enum class Step {
  kStarting,     // expand actions running
  kBackfilling,  // triggers and views exist; rows may still be pending
  kActive,       // both versions live
  kCompleting,   // contract actions running
  kRollingBack,  // rollback actions running
  kDone,
};

inline constexpr std::array<Step, 6> kAllSteps = {Step::kStarting,    Step::kBackfilling,
                                                  Step::kActive,      Step::kCompleting,
                                                  Step::kRollingBack, Step::kDone};

// The stored string of `step` ("starting", "rolling_back", ...).
std::string_view StepName(Step step);

// The step whose stored string is `stored`. kInternal for an unknown string:
// the message names `migration` and says what to do.
Result<Step> StepFromStored(std::string_view stored, std::string_view migration);

}  // namespace zs::state
