// The class half of the operation registry: a parsed operation's Operation
// class (see ops/formats.h for the format half and the layout of an
// operation's home).
#pragma once

#include <memory>

#include "core/status.h"
#include "migration/migration.h"
#include "ops/formats.h"

namespace zs::ops {

class Operation;

// Builds the class for a parsed operation; an error (naming the operation and
// its location) when it cannot be built.
Result<std::unique_ptr<Operation>> MakeOperation(const migration::Operation& op);

}  // namespace zs::ops
