#include "cli/client_advice.h"

namespace zs::cli {

// The one place that picks the implementation.
const ClientAdvice& ClientAdviceFor(const backend::Backend& backend) {
  switch (backend.kind()) {
    case backend::Kind::kPostgres:
      return PostgresClientAdvice();
    case backend::Kind::kMariadb:
      return MariadbClientAdvice();
  }
  return PostgresClientAdvice();  // unreachable: every Kind is handled above
}

}  // namespace zs::cli
