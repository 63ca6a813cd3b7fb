// MariadbServer's replication: the flags a primary or a replica starts with,
// CHANGE MASTER TO ... MASTER_USE_GTID, and waiting for a replica to apply
// what its primary logged (MASTER_GTID_WAIT: the server wakes the wait when
// the position is reached, so nothing here polls or sleeps).
#include <fmt/format.h>

#include "mysql/connection.h"
#include "servers/mariadb_server.h"

namespace zs::servers {

namespace {

// The replica's state when it does not catch up: what to look at.
std::string MariadbReplicaErrors(mysql::Connection& conn) {
  Result<mysql::Rows> rows = conn.Exec("SHOW SLAVE STATUS");
  if (!rows.ok()) return "SHOW SLAVE STATUS failed: " + rows.status().message();
  if (rows->empty()) return "it replicates from nothing";
  auto column = [&](const char* name) {
    int index = rows->ColumnIndex(name);
    return index < 0 || rows->IsNull(0, index) ? std::string("NULL") : rows->Get(0, index);
  };
  return fmt::format(
      "Slave_IO_Running {}, Slave_SQL_Running {}, Last_IO_Error \"{}\", Last_SQL_Error \"{}\", "
      "Gtid_IO_Pos {}",
      column("Slave_IO_Running"), column("Slave_SQL_Running"), column("Last_IO_Error"),
      column("Last_SQL_Error"), column("Gtid_IO_Pos"));
}

}  // namespace

std::vector<std::string> MariadbServer::ReplicationArgs() const {
  std::vector<std::string> args;
  if (options_.server_id > 0) args.push_back(fmt::format("--server-id={}", options_.server_id));
  // Fixed names in the data directory (the default derives them from the
  // host name); the relay log is only used on a replica.
  if (options_.log_bin) args.push_back("--log-bin=" + data_dir_ + "/zs-bin");
  if (options_.server_id > 0) args.push_back("--relay-log=" + data_dir_ + "/zs-relay");
  return args;
}

Status MariadbServer::StartReplicaOf(const MariadbServer& primary) {
  if (!primary.options_.log_bin || primary.options_.server_id <= 0 || options_.server_id <= 0 ||
      primary.options_.server_id == options_.server_id) {
    return InvalidInput(fmt::format(
        "the replica on port {} cannot follow the server on port {}: start the primary with "
        "log_bin and both with different non-zero server ids (MariadbServerOptions)",
        port_, primary.port_));
  }
  ZS_ASSIGN_OR_RETURN(mysql::Connection conn, mysql::Connection::Open(SocketUrl()));
  // root over loopback is root@localhost to MariaDB, with every privilege
  // (REPLICATION SLAVE among them) and no password in a throwaway install.
  std::string change = fmt::format(
      "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = {}, MASTER_USER = 'root', "
      "MASTER_PASSWORD = '', MASTER_CONNECT_RETRY = 1, MASTER_USE_GTID = slave_pos",
      primary.port_);
  ZS_RETURN_IF_ERROR(conn.Run(change).WithContext(fmt::format(
      "making the MariaDB server on port {} a replica of port {}", port_, primary.port_)));
  ZS_RETURN_IF_ERROR(
      conn.Run("START SLAVE")
          .WithContext(fmt::format("START SLAVE on the MariaDB replica on port {}", port_)));
  return WaitForReplica(primary);
}

Status MariadbServer::WaitForReplica(const MariadbServer& primary, std::chrono::seconds timeout) {
  ZS_ASSIGN_OR_RETURN(mysql::Connection source, mysql::Connection::Open(primary.SocketUrl()));
  ZS_ASSIGN_OR_RETURN(mysql::Rows position, source.Exec("SELECT @@gtid_binlog_pos"));
  std::string gtid = position.empty() || position.IsNull(0, 0) ? "" : position.Get(0, 0);
  ZS_ASSIGN_OR_RETURN(mysql::Connection conn, mysql::Connection::Open(SocketUrl()));
  // 0 when reached, -1 on timeout.
  ZS_ASSIGN_OR_RETURN(mysql::Rows waited,
                      conn.Exec(fmt::format("SELECT MASTER_GTID_WAIT({}, {})",
                                            mysql::QuoteLiteral(gtid), timeout.count())));
  if (!waited.empty() && !waited.IsNull(0, 0) && waited.Get(0, 0) == "0") return Status::Ok();
  return IoError(fmt::format(
      "the MariaDB replica on port {} did not apply the primary's (port {}) GTID position \"{}\" "
      "within {} s: {} (server logs: {}, {})",
      port_, primary.port_, gtid, timeout.count(), MariadbReplicaErrors(conn), log_file_,
      primary.log_file_));
}

}  // namespace zs::servers
