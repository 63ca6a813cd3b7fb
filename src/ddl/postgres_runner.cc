#include "ddl/postgres_runner.h"

#include "backend/postgres_backend.h"

namespace zs::ddl {

PostgresRunner::PostgresRunner(backend::Session& session, RetryPolicy policy)
    : runner_(backend::PostgresConnection(session), std::move(policy)) {}

Status PostgresRunner::RunGroup(const std::vector<TableRef>& tables,
                                const std::vector<std::string>& statements) {
  // pg::DdlRunner runs a script in one transaction; newlines keep a trailing
  // "-- comment" of one statement from swallowing the next.
  std::string script;
  for (const std::string& statement : statements) {
    if (!script.empty()) script += "\n;\n";
    script += statement;
  }
  Options options;
  if (!tables.empty()) options.locked = tables.front();
  return runner_.Run(script, options);
}

}  // namespace zs::ddl
