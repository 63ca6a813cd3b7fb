// The PostgreSQL DDL runner: pg::DdlRunner (pg/ddl_runner.h, the code that
// predates the seam) behind ddl::Runner.
#pragma once

#include "backend/backend.h"
#include "ddl/runner.h"
#include "pg/ddl_runner.h"

namespace zs::ddl {

class PostgresRunner final : public Runner {
 public:
  // REQUIRES: session.backend().kind() == backend::Kind::kPostgres.
  PostgresRunner(backend::Session& session, RetryPolicy policy);

  Status Run(const std::string& sql, const Options& options = {}) override {
    return runner_.Run(sql, options);
  }
  // One transaction: atomic, and the locks each statement takes are held
  // until COMMIT, so no write slips between them.
  Status RunGroup(const std::vector<TableRef>& tables,
                  const std::vector<std::string>& statements) override;
  void OnRetry(RetryCallback callback) override { runner_.OnRetry(std::move(callback)); }
  void OnNotice(NoticeCallback callback) override { runner_.OnNotice(std::move(callback)); }
  int attempts_of_last_run() const override { return runner_.attempts_of_last_run(); }
  const RetryPolicy& policy() const override { return runner_.policy(); }

 private:
  pg::DdlRunner runner_;
};

}  // namespace zs::ddl
