#include "ddl/runner.h"

#include <fmt/format.h>

#include "ddl/mariadb_runner.h"
#include "ddl/postgres_runner.h"

namespace zs::ddl {

Status Runner::RunEach(const std::vector<std::string>& statements, const Options& options) {
  for (size_t i = 0; i < statements.size(); ++i) {
    Status status = Run(statements[i], options);
    if (!status.ok()) {
      return status.WithContext(
          fmt::format("statement {} of {} (the {} before it took effect and are safe to run again)",
                      i + 1, statements.size(), i));
    }
  }
  return Status::Ok();
}

std::unique_ptr<Runner> MakeRunner(backend::Session& session, RetryPolicy policy) {
  switch (session.backend().kind()) {
    case backend::Kind::kPostgres:
      return std::make_unique<PostgresRunner>(session, std::move(policy));
    case backend::Kind::kMariadb:
      return std::make_unique<MariadbRunner>(session, std::move(policy));
  }
  return nullptr;  // unreachable: every Kind is handled above
}

}  // namespace zs::ddl
