#include "sqlcheck/checker.h"

#include "backend/mariadb_backend.h"
#include "sqlcheck/mariadb_check.h"
#include "sqlcheck/postgres_check.h"

namespace zs::sqlcheck {

std::unique_ptr<ExpressionChecker> ExpressionCheckerFor(backend::Session& session) {
  switch (session.backend().kind()) {
    case backend::Kind::kMariadb:
      return std::make_unique<MariadbExpressionChecker>(backend::MariadbConnection(session));
    case backend::Kind::kPostgres:
      break;
  }
  return std::make_unique<PostgresExpressionChecker>();
}

std::string UnknownColumnMessage(const std::string& what, const std::string& expression,
                                 const std::string& column, const VisibleTable& table) {
  std::string list;
  for (const VisibleColumn& c : table.columns) list += (list.empty() ? "" : ", ") + c.name;
  return what + ": `" + expression + "` refers to column \"" + column + "\", which table \"" +
         table.name + "\" does not have in the version it reads (columns: " + list + ")";
}

}  // namespace zs::sqlcheck
