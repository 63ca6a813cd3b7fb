// The comparison behind `zeroshift verify`: every row of the active
// migration's tables against its `up` (and `down`) expressions, read-only,
// in keyset batches. One interface, one implementation per database:
//   - PostgreSQL (engine_verify_postgres.cc): backfill::VerifyTriggers, each
//     batch in a READ ONLY transaction (keyset or ctid walk).
//   - MariaDB (engine_verify_mariadb.h): keyset batches on the walk the
//     backfill uses, each in a READ ONLY, READ COMMITTED transaction.
// The files carry the engine_verify prefix (not postgres_/mariadb_) because
// that is the part of src/engine/ this phase owns.
#pragma once

#include <memory>
#include <vector>

#include "backend/backend.h"
#include "backfill/verify.h"
#include "core/status.h"
#include "triggers/dual_write.h"

namespace zs::engine {

class RowVerifier {
 public:
  virtual ~RowVerifier() = default;

  // The result per table of `specs` (expressions resolved as the trigger
  // evaluates them; kDown ones skipped unless options.check_down), in the
  // order of the specs' tables. Never writes.
  virtual Result<std::vector<backfill::TableResult>> Verify(
      const std::vector<triggers::TriggerSpec>& specs, const backfill::VerifyOptions& options) = 0;
};

// The implementation for `session`'s database; `session` must outlive it.
std::unique_ptr<RowVerifier> RowVerifierFor(backend::Session& session);

// The PostgreSQL and MariaDB implementations (what RowVerifierFor picks from).
std::unique_ptr<RowVerifier> MakePostgresRowVerifier(backend::Session& session);
std::unique_ptr<RowVerifier> MakeMariadbRowVerifier(backend::Session& session);

}  // namespace zs::engine
