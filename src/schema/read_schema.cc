// ReadSchema(backend::Session&, ...): the one place that picks the catalog
// reader from the session's backend.
#include "backend/mariadb_backend.h"
#include "backend/postgres_backend.h"
#include "schema/mariadb_reader.h"
#include "schema/schema.h"

namespace zs::schema {

Result<Schema> ReadSchema(backend::Session& session, const std::string& schema_name) {
  switch (session.backend().kind()) {
    case backend::Kind::kPostgres:
      return ReadSchema(backend::PostgresConnection(session), schema_name);
    case backend::Kind::kMariadb:
      return ReadMariadbSchema(backend::MariadbConnection(session), schema_name);
  }
  return Internal("ReadSchema: unknown backend kind");
}

}  // namespace zs::schema
