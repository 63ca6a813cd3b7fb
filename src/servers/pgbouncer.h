// A throwaway PgBouncer (Debian's `pgbouncer` package), as TempCluster is for
// PostgreSQL: its configuration, auth file, log and Unix socket in a
// temporary directory, listening on a free port on 127.0.0.1 only, in front of
// a PostgreSQL server on the loopback, stopped (SIGTERM: immediate shutdown,
// then SIGKILL) and deleted by the destructor. Clients authenticate with
// auth_type trust (PgBouncer still requires their names in the auth file: the
// options list them). As root, it runs as the `postgres` system user
// (`pgbouncer -u postgres`: it refuses root, and drops to that user itself,
// so the pid we wait for is PgBouncer's own).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace zs::servers {

struct PgBouncerOptions {
  // The PostgreSQL server behind it (a TempCluster's port).
  std::string server_host = "127.0.0.1";
  int server_port = 0;
  // "session", "transaction" or "statement": the default pool_mode.
  std::string pool_mode = "transaction";
  // Lines of the [databases] section before the catch-all
  // "* = host=<server_host> port=<server_port>" (which serves every database
  // under its own name), e.g. "app_v2 = host=... dbname=app connect_query=...".
  std::vector<std::string> database_lines;
  // The roles clients may connect as (the auth file); the first one is also
  // the admin console's user.
  std::vector<std::string> users = {"postgres"};
  // Extra lines of the [pgbouncer] section, e.g. "default_pool_size = 2".
  std::vector<std::string> config_lines;
  // Print PgBouncer's log to stderr when it stops (debugging).
  bool keep_log = false;
};

class PgBouncer {
 public:
  // Writes the configuration, starts pgbouncer (/usr/sbin/pgbouncer) and waits
  // until its admin console accepts a connection.
  static Result<std::unique_ptr<PgBouncer>> Start(const PgBouncerOptions& options);
  ~PgBouncer();

  PgBouncer(const PgBouncer&) = delete;
  PgBouncer& operator=(const PgBouncer&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& socket_dir() const { return root_dir_; }
  const std::string& log_file() const { return log_file_; }

  // postgresql://USER@127.0.0.1:PORT/DATABASE: a client of pool `database`.
  std::string Url(const std::string& database, const std::string& user = "postgres") const;

 private:
  PgBouncer() = default;
  Status WriteConfig() const;
  Status Spawn(bool switch_user);
  Status WaitUntilReady();
  void Stop();

  std::string root_dir_;
  std::string config_file_;
  std::string log_file_;
  int port_ = 0;
  pid_t pid_ = -1;
  PgBouncerOptions options_;
};

}  // namespace zs::servers
