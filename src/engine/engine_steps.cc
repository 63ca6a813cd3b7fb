#include "engine/engine_steps.h"

namespace zs::engine {

// The one place that picks the implementation.
const EngineSteps& EngineStepsFor(const backend::Backend& backend) {
  switch (backend.kind()) {
    case backend::Kind::kPostgres:
      return PostgresSteps();
    case backend::Kind::kMariadb:
      return MariadbSteps();
  }
  return PostgresSteps();  // unreachable: every Kind is handled above
}

}  // namespace zs::engine
