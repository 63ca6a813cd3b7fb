// How a statement changes what the linter knows (state.h): the transaction,
// the locks it holds, the timeouts, and the schema the files create.
#pragma once

#include "lint/classify.h"
#include "lint/source.h"
#include "lint/state.h"

namespace zs::lint {

// REQUIRES: stmt.parsed().
void ApplyStatement(const Statement& stmt, const Effect& effect, LintState& state);

}  // namespace zs::lint
