// The comparison behind `zeroshift verify`: every row of the active
// migration's tables against its `up` (and `down`) expressions, read-only,
// in keyset batches.
#pragma once

#include <vector>

#include "backend/backend.h"
#include "backfill/verify.h"
#include "core/status.h"
#include "triggers/dual_write.h"

namespace zs::engine {

// The result per table of `specs` (expressions resolved as the trigger
// evaluates them), on `session`'s database.
Result<std::vector<backfill::TableResult>> VerifyRows(
    backend::Session& session, const std::vector<triggers::TriggerSpec>& specs,
    const backfill::VerifyOptions& options);

}  // namespace zs::engine
