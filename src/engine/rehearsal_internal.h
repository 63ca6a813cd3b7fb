// Internal to the rehearsal (rehearsal.cc, rehearsal_checks.cc,
// rehearsal_mariadb.cc): the helpers they share.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "engine/planner.h"
#include "migration/migration.h"
#include "schema/schema.h"

namespace zs::engine::rehearsal_internal {

// ops::TemporaryColumnName(""): what a temporary column's name starts with.
const std::string& TemporaryPrefix();

// "file:line:col kind" of operation `index`, or the migration's name.
std::string Where(const migration::Migration& migration, size_t index);

// The operations up to and including the first raw SQL one, as the engine's
// dry run plans them: the later ones may need what the SQL creates.
Result<Plan> DryPlan(const PlanInput& input, const Operations& operations,
                     const schema::Schema& base);

// "\n  - line" per line.
std::string Bullets(const std::vector<std::string>& lines);

}  // namespace zs::engine::rehearsal_internal
