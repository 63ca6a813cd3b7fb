// PostgreSQL's RowVerifier: backfill::VerifyTriggers (backfill/verify.h).
#include "backend/postgres_backend.h"
#include "engine/engine_verify.h"

namespace zs::engine {

namespace {

class PostgresRowVerifier final : public RowVerifier {
 public:
  explicit PostgresRowVerifier(backend::Session& session) : session_(session) {}

  Result<std::vector<backfill::TableResult>> Verify(
      const std::vector<triggers::TriggerSpec>& specs,
      const backfill::VerifyOptions& options) override {
    return backfill::VerifyTriggers(backend::PostgresConnection(session_), specs, options);
  }

 private:
  backend::Session& session_;
};

}  // namespace

std::unique_ptr<RowVerifier> MakePostgresRowVerifier(backend::Session& session) {
  return std::make_unique<PostgresRowVerifier>(session);
}

}  // namespace zs::engine
