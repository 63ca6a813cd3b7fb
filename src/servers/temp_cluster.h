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
  Result<std::unique_ptr<TempCluster>> StartStandby() const;

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
