// One lab client's connection, behind the one thing that differs between
// databases: how a client connects, bounds each request, moves to a version,
// words a request in SQL and classifies an error. The Workload (workload.h)
// owns the pacing, the records and the log, the same for every database.
//
// PostgreSQL (postgres_client.h): libpq, statement_timeout, a version is a
// schema put on search_path. MariaDB (mariadb_client.h): Connector/C,
// max_statement_time, a version is a database selected with USE.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "backend/backend.h"
#include "backend/error_class.h"
#include "core/status.h"
#include "lab/metrics.h"

namespace zs::lab {

enum class ClientVersion { kV1, kV2 };
const char* VersionName(ClientVersion version);  // "v1" / "v2"
const char* KindName(RequestKind kind);          // "READ" / "UPDATE" / "INSERT"

// A request of the social portal's mix: v1 reads/writes `name`, v2
// first_name/last_name (an insert uses first + " " + last as v1's name).
struct ClientRequest {
  RequestKind kind = RequestKind::kRead;
  long long id = 0;
  std::string first;
  std::string last;
};

struct ClientOutcome {
  bool ok = true;
  bool timed_out = false;     // the request's time bound ran out
  bool disconnected = false;  // the connection is unusable: the workload reconnects
  backend::ErrorClass error_class = backend::ErrorClass::kOther;
  std::string text;   // the log line without the duration
  std::string error;  // short error message when !ok
};

class ClientConnection {
 public:
  virtual ~ClientConnection() = default;
  // Points the following requests at `version`: v1 at the application's own
  // tables, v2 at the migration's version (`version_namespace`: a schema on
  // PostgreSQL, a database on MariaDB; ignored for v1).
  virtual Status UseVersion(ClientVersion version, const std::string& version_namespace) = 0;
  // Runs one request as `version` and describes its outcome; never throws.
  virtual ClientOutcome Execute(ClientVersion version, const ClientRequest& request) = 0;
  // The server's id of this session (PostgreSQL pid, MariaDB CONNECTION_ID()):
  // what a lock sampler filters on.
  virtual long long SessionId() const = 0;
};

class ClientBackend {
 public:
  virtual ~ClientBackend() = default;
  // Opens a client connection to `conninfo` whose every request is bounded
  // by `timeout`.
  virtual Result<std::unique_ptr<ClientConnection>> Connect(
      const std::string& conninfo, std::chrono::milliseconds timeout) const = 0;
};

// The clients of `kind`'s database.
const ClientBackend& ClientBackendFor(backend::Kind kind);

// `status`'s message cut to a log line's length.
std::string ShortClientError(const Status& status);

}  // namespace zs::lab
