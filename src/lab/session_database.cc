#include "lab/session_database.h"

#include "lab/session.h"

namespace zs::lab {

std::unique_ptr<LabDatabase> LabDatabaseFor(const SessionOptions& options) {
  switch (options.database) {
    case backend::Kind::kMariadb:
      return MariadbLabDatabase();
    case backend::Kind::kPostgres:
      break;
  }
  return PostgresLabDatabase(options);
}

}  // namespace zs::lab
