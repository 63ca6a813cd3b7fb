#include "state/state_store.h"

#include "backend/mariadb_backend.h"
#include "backend/postgres_backend.h"
#include "state/mariadb_state_store.h"
#include "state/postgres_state_store.h"

namespace zs::state {

Result<bool> StateStore::SchemaLockHeldElsewhere(const std::string& schema) {
  ZS_ASSIGN_OR_RETURN(std::optional<LockHolder> holder, SchemaLockHolder(schema));
  return holder.has_value();
}

std::unique_ptr<StateStore> OpenStateStore(backend::Session& session) {
  switch (session.backend().kind()) {
    case backend::Kind::kPostgres:
      return std::make_unique<PostgresStateStore>(backend::PostgresConnection(session));
    case backend::Kind::kMariadb:
      return std::make_unique<MariadbStateStore>(session);
  }
  return nullptr;  // unreachable: every Kind is handled above
}

}  // namespace zs::state
