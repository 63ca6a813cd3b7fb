// A throwaway MariaDB server, as TempCluster is for PostgreSQL:
// mariadb-install-db into a temporary directory (copied from a cached install
// template), mariadbd on a Unix socket in that directory and a free port on
// 127.0.0.1 only, stopped (SHUTDOWN, then SIGKILL) and deleted by the
// destructor. root connects without a password (the install uses
// --auth-root-authentication-method=normal), over the socket or TCP. As root,
// the server runs as the `mysql` system user (mariadbd --user=mysql: it
// refuses to run as root without it, and drops to that user itself, so the
// pid we wait for is the server's own).
//
// Measured on the 2-core dev machine (2026-12-07, MariaDB 10.11.19, another
// engineer's build sharing the cores): Start takes 4.2 s when it must run
// mariadb-install-db first (the first start per server version and user; the
// install is 26 MB with an 8 MB redo log), and 0.24-0.41 s from the cached
// install (cp -a, then mariadbd answering on its socket), printed by
// MariadbServerTest.StartsOnASocketAndALoopbackPortAndIsRemovedWhenDestroyed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace zs::servers {

struct MariadbServerOptions {
  // Extra mariadbd arguments, e.g. "--plugin-load-add=metadata_lock_info".
  std::vector<std::string> server_args;
  // Print the server's error log to stderr when it stops (debugging).
  bool keep_log = false;
  // Replication (mariadb_server_replica.cc): a non-zero --server-id, unique
  // among the servers that replicate together; log_bin writes the binary log
  // a replica reads (a primary needs it).
  int server_id = 0;
  bool log_bin = false;
};

class MariadbServer {
 public:
  // Finds mariadbd (/usr/sbin) and mariadb-install-db, installs the system
  // tables (reusing a cached install when one exists for this server version
  // and user), starts the server and waits until it accepts connections.
  static Result<std::unique_ptr<MariadbServer>> Start(const MariadbServerOptions& options = {});
  ~MariadbServer();  // SHUTDOWN, SIGKILL after 30 s, then removes the directory

  MariadbServer(const MariadbServer&) = delete;
  MariadbServer& operator=(const MariadbServer&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& socket_path() const { return socket_path_; }
  const std::string& data_dir() const { return data_dir_; }
  // The server's error log (mariadbd --log-error).
  const std::string& log_file() const { return log_file_; }

  // mariadb://root@127.0.0.1:PORT/DATABASE (TCP); "" selects no database.
  std::string Url(const std::string& database = "") const;
  // mariadb://root@localhost/DATABASE?socket=PATH (the Unix socket).
  std::string SocketUrl(const std::string& database = "") const;

  // CREATE DATABASE <name> (utf8mb4) and returns its TCP URL.
  Result<std::string> CreateDatabase(const std::string& name);

  // Makes this server a replica of `primary` (started with log_bin; the two
  // with different server ids): CHANGE MASTER TO its loopback port as root,
  // MASTER_USE_GTID = slave_pos, START SLAVE, then waits until it has applied
  // all the primary had logged (WaitForReplica).
  Status StartReplicaOf(const MariadbServer& primary);
  // Waits until this replica has applied everything `primary` had logged
  // when called: MASTER_GTID_WAIT, which the server wakes when the position
  // is reached (no polling). On timeout the error quotes the replica's
  // Last_IO_Error / Last_SQL_Error.
  Status WaitForReplica(const MariadbServer& primary,
                        std::chrono::seconds timeout = std::chrono::seconds(60));

 private:
  MariadbServer() = default;
  Status Spawn();
  Status WaitUntilReady();
  void Stop();
  // --server-id, --log-bin and their file names, from the options.
  std::vector<std::string> ReplicationArgs() const;

  std::string root_dir_;
  std::string data_dir_;
  std::string socket_path_;
  std::string log_file_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool as_mysql_user_ = false;
  MariadbServerOptions options_;
};

}  // namespace zs::servers
