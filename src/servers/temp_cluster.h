// A throwaway PostgreSQL cluster: initdb into a temporary directory, the server
// on a Unix socket in that directory and a free loopback port, stopped and
// deleted by the destructor. As root, the server runs as the `postgres` system
// user (PostgreSQL refuses root). Used by every integration test and the lab.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace zs::servers {

struct ClusterOptions {
  // Extra postgresql.conf lines, e.g. "wal_level = replica".
  std::vector<std::string> config_lines;
  // Print the server log to stderr when the cluster stops (debugging).
  bool keep_log = false;
};

struct StandbyOptions {
  // The primary's commits wait until this standby has flushed their WAL
  // (synchronous_standby_names = '*' on the primary, reloaded; StartStandby
  // returns once the primary reports the standby as sync): whatever the
  // primary acknowledged is on the standby.
  bool synchronous = false;
};

// How Stop ends the server.
enum class StopMode {
  kClean,  // fast shutdown: a primary sends its standbys all its WAL first (switchover)
  kCrash,  // immediate shutdown: like kill -9 of the server or a power cut
};

class TempCluster {
 public:
  // Finds the server binaries (pg_config --bindir, else /usr/lib/postgresql/*/bin),
  // initdb's (reusing a cached initdb template when one exists for this
  // binary version), starts the server and waits until it accepts connections.
  static Result<std::unique_ptr<TempCluster>> Start(const ClusterOptions& options = {});
  ~TempCluster();  // stops the server (fast shutdown, then immediate) and removes the directory

  TempCluster(const TempCluster&) = delete;
  TempCluster& operator=(const TempCluster&) = delete;

  int port() const { return port_; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& socket_dir() const { return socket_dir_; }
  const std::string& bin_dir() const { return bin_dir_; }

  // A libpq URL for `database` as the superuser over TCP on 127.0.0.1.
  std::string Url(const std::string& database = "postgres") const;

  // CREATE DATABASE <name> (fast: from template0) and returns its URL.
  Result<std::string> CreateDatabase(const std::string& name);

  // Stops the server immediately (simulates a crash) and starts it again.
  Status Restart();

  // A streaming standby of this cluster, in its own temporary directory and
  // on its own port: pg_basebackup -R over 127.0.0.1, then started. Relies on
  // the defaults initdb gives this cluster: wal_level replica, max_wal_senders
  // 10 and "host replication all 127.0.0.1/32 trust" in pg_hba.conf.
  Result<std::unique_ptr<TempCluster>> StartStandby(const StandbyOptions& options = {}) const;

  // Failover helpers (engine/failover_test.cc). Every wait polls the
  // server's own view (no sleep stands for an event); the timeout only
  // turns a hang into an error.

  // On a standby: ends recovery (pg_promote without waiting), then polls
  // pg_is_in_recovery() until it is false: the server takes writes.
  Status Promote();
  // On a standby: waits until it has replayed `primary`'s WAL up to the
  // primary's flush position at the call (every commit made before it).
  Status WaitForReplay(const TempCluster& primary) const;
  // On a standby: stops streaming from the primary (primary_conninfo
  // emptied and reloaded) and waits until the WAL receiver is gone. What the
  // primary writes from then on never reaches this standby; what it already
  // received is still replayed, and a promotion ends there: an asynchronous
  // standby that missed the primary's last transactions.
  Status DisconnectFromPrimary();
  // Stops the server (the directory stays until the destructor); the
  // destructor then has nothing to stop.
  Status Stop(StopMode mode);

  // `argv` as the server's user runs it: prefixed with `runuser -u postgres --`
  // when this process is root, unchanged otherwise.
  std::vector<std::string> ServerCommand(std::vector<std::string> argv) const;

 private:
  TempCluster() = default;
  Status StopServer(bool immediate);
  Status StartServer();

  std::string root_dir_;
  std::string data_dir_;
  std::string socket_dir_;
  std::string bin_dir_;
  std::string log_file_;
  int port_ = 0;
  bool run_as_postgres_ = false;
  bool running_ = false;
  ClusterOptions options_;
};

}  // namespace zs::servers
