#include "backfill/batch_backend.h"

#include "backend/mariadb_backend.h"
#include "backend/postgres_backend.h"
#include "backfill/mariadb_batch.h"
#include "backfill/postgres_batch.h"

namespace zs::backfill {

std::unique_ptr<BatchBackend> BatchBackendFor(backend::Session& session,
                                              const ProbeTargets& targets) {
  switch (session.backend().kind()) {
    case backend::Kind::kPostgres:
      return MakePostgresBatchBackend(backend::PostgresConnection(session));
    case backend::Kind::kMariadb:
      return MakeMariadbBatchBackend(backend::MariadbConnection(session), targets);
  }
  return nullptr;
}

}  // namespace zs::backfill
