// The SQL of each phase of a column swap, from its Layout
// (column_swap_layout.h). REQUIRES (all): `layout` was made for ctx.before.
#pragma once

#include <string>
#include <vector>

#include "ops/column_swap_layout.h"

namespace zs::ops::swap {

// Start: the temporary columns, their indexes (CONCURRENTLY) and constraints
// (NOT VALID), and copies of user triggers with a column list.
std::vector<Action> SwapStart(const OpContext& ctx, const SwapSpec& spec, const Layout& layout);
// Start on a table created by this migration: change the columns themselves.
std::vector<Action> InPlaceStart(const SwapSpec& spec, const Layout& layout);

// Complete: validate the NOT VALID constraints, then replace the old columns.
std::vector<Action> ValidateActions(const SwapSpec& spec, const Layout& layout);
std::string FinalizeSql(const OpContext& ctx, const Layout& layout);

// Rollback: drop what start made.
std::vector<Action> SwapRollback(const OpContext& ctx, const SwapSpec& spec, const Layout& layout);
std::vector<Action> InPlaceRollback(const SwapSpec& spec, const Layout& layout);

}  // namespace zs::ops::swap
