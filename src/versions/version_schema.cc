#include "versions/version_schema.h"

#include "versions/mariadb_version_schema.h"
#include "versions/postgres_version_schema.h"

namespace zs::versions {

const VersionSql& VersionSqlFor(const backend::Backend& backend) {
  switch (backend.kind()) {
    case backend::Kind::kMariadb:
      return MariadbVersions();
    case backend::Kind::kPostgres:
      break;
  }
  return PostgresVersions();
}

}  // namespace zs::versions
