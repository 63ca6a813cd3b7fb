#include "lab/client.h"

#include "lab/mariadb_client.h"
#include "lab/postgres_client.h"

namespace zs::lab {

namespace {
constexpr size_t kMaxClientErrorText = 120;
}  // namespace

const char* VersionName(ClientVersion version) {
  return version == ClientVersion::kV1 ? "v1" : "v2";
}

const char* KindName(RequestKind kind) {
  switch (kind) {
    case RequestKind::kRead:
      return "READ";
    case RequestKind::kUpdate:
      return "UPDATE";
    case RequestKind::kInsert:
      return "INSERT";
  }
  return "?";
}

const ClientBackend& ClientBackendFor(backend::Kind kind) {
  switch (kind) {
    case backend::Kind::kPostgres:
      return PostgresClients();
    case backend::Kind::kMariadb:
      return MariadbClients();
  }
  return PostgresClients();
}

std::string ShortClientError(const Status& status) {
  std::string message = status.message();
  if (message.size() > kMaxClientErrorText) {
    message = message.substr(0, kMaxClientErrorText - 3) + "...";
  }
  return message;
}

}  // namespace zs::lab
