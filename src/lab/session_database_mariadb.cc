// The interactive lab on MariaDB: a throwaway server of the lab's own
// (servers/mariadb_server.h), the seed's table in database zeroshift_lab, the
// naive script in MariaDB's dialect (mariadb_scenario.h) and the dashboard's
// lock view from PROCESSLIST and INNODB_TRX (MariaDB has no pg_locks, and
// performance_schema is off by default).
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "lab/mariadb_scenario.h"
#include "lab/mariadb_users_table.h"
#include "lab/session_database.h"
#include "mysql/connection.h"
#include "servers/mariadb_server.h"
#include "state/mariadb_state_store.h"
#include "triggers/trigger_spec.h"

namespace zs::lab {

namespace {

// The server is the lab's own, so a fixed name is safe; zeroshift's version
// databases are named after it (zeroshift_lab_02_split_name).
constexpr const char* kMariadbLabDatabase = "zeroshift_lab";

constexpr LabSteps kMariadbSteps = {{
    {"expand", "1. Expand",
     "ADD COLUMN first_name and last_name, nullable, ALGORITHM=INSTANT: each ALTER needs the "
     "exclusive metadata lock only for a moment, and its wait is bounded by max_statement_time "
     "so requests do not queue behind it. name is untouched: v1 clients keep working."},
    {"dual_write", "2. Dual write",
     "BEFORE INSERT and BEFORE UPDATE triggers keep both shapes in step: a v1 write of name fills "
     "first_name and last_name, a v2 write (its session sets @zeroshift_version) fills name. A "
     "version database with a view in the new shape is created for v2 clients."},
    {"backfill", "3. Backfill",
     "Existing rows are touched in small primary-key ranges, each its own short READ COMMITTED "
     "transaction, so the trigger fills first_name and last_name with only a batch's row locks "
     "held at a time."},
    {"shift_reads", "4. Shift reads",
     "The application deploys v2: its clients USE the version database and SET "
     "@zeroshift_version, and read and write first_name/last_name. A rollback is still possible."},
    {"contract", "5. Contract",
     "zeroshift complete: under LOCK TABLES the triggers go and name is dropped, so no write "
     "slips between them. Only the new shape remains; v1 clients would now fail."},
}};

class MariadbLab final : public LabDatabase {
 public:
  backend::Kind kind() const override { return backend::Kind::kMariadb; }
  const char* DisplayName() const override { return "MariaDB"; }
  const char* LocksSource() const override { return "PROCESSLIST and INNODB_TRX"; }
  const LabSteps& Steps() const override { return kMariadbSteps; }

  Status Open() override {
    ZS_ASSIGN_OR_RETURN(server_, servers::MariadbServer::Start());
    url_ = server_->Url(kMariadbLabDatabase);
    return Status::Ok();
  }
  const std::string& url() const override { return url_; }

  Status Reload(long long rows) override {
    ZS_RETURN_IF_ERROR(Drop());
    ZS_ASSIGN_OR_RETURN(mysql::Connection admin, mysql::Connection::Open(server_->Url()));
    ZS_RETURN_IF_ERROR(admin.Run(fmt::format("CREATE DATABASE {} CHARACTER SET utf8mb4",
                                             mysql::QuoteIdentifier(kMariadbLabDatabase))));
    ZS_ASSIGN_OR_RETURN(mysql::Connection conn, mysql::Connection::Open(url_));
    return MariadbLoadUsers(conn, rows);
  }

  // Ends every other session first (DROP DATABASE would wait for their
  // metadata locks), then drops the lab's database, its version databases and
  // zeroshift's state: the next start begins from a table nobody migrated.
  Status Drop() override {
    if (!server_) return Status::Ok();
    ZS_ASSIGN_OR_RETURN(mysql::Connection admin, mysql::Connection::Open(server_->Url()));
    ZS_ASSIGN_OR_RETURN(
        mysql::Rows sessions,
        admin.Exec("SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() "
                   "AND COMMAND <> 'Daemon' AND USER <> 'system user'"));
    for (int i = 0; i < sessions.size(); ++i) {
      (void)admin.Run(fmt::format("KILL CONNECTION {}", sessions.GetInt(i, 0)));  // may be gone
    }
    ZS_ASSIGN_OR_RETURN(
        mysql::Rows databases,
        admin.Exec(fmt::format("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE "
                               "SCHEMA_NAME = {0} OR SCHEMA_NAME LIKE CONCAT({0}, '\\_%') OR "
                               "SCHEMA_NAME = {1}",
                               mysql::QuoteLiteral(kMariadbLabDatabase),
                               mysql::QuoteLiteral(state::kMariadbStateDatabase))));
    for (int i = 0; i < databases.size(); ++i) {
      ZS_RETURN_IF_ERROR(
          admin.Run("DROP DATABASE IF EXISTS " + mysql::QuoteIdentifier(databases.Get(i, 0))));
    }
    return Status::Ok();
  }

  Status RunNaive(const std::function<double()>& now,
                  const std::function<void(const StepResult&, bool)>& on_step,
                  std::vector<StepResult>& steps) override {
    // As a person's script would: the server's default isolation (REPEATABLE READ).
    ZS_ASSIGN_OR_RETURN(mysql::Connection conn,
                        mysql::Connection::Open(url_, {.read_committed = false}));
    return RunMariadbNaiveScript(conn, now, on_step, steps);
  }

  Result<nlohmann::json> FirstRows(int limit) override {
    ZS_RETURN_IF_ERROR(EnsureMonitor());
    ZS_ASSIGN_OR_RETURN(mysql::Rows rows, monitor_->Exec(fmt::format(
                                              "SELECT * FROM users ORDER BY id LIMIT {}", limit)));
    // The backfill's per-row marker is bookkeeping, not a column of either shape.
    std::vector<int> shown;
    nlohmann::json columns = nlohmann::json::array();
    for (int c = 0; c < rows.columns(); ++c) {
      if (rows.column_names()[c] == triggers::MarkerColumnName()) continue;
      shown.push_back(c);
      columns.push_back(rows.column_names()[c]);
    }
    nlohmann::json out = {{"columns", std::move(columns)}, {"rows", nlohmann::json::array()}};
    for (int i = 0; i < rows.size(); ++i) {
      nlohmann::json values = nlohmann::json::array();
      for (int c : shown) {
        // id as a number, like PostgreSQL's row_to_json gives it.
        if (rows.IsNull(i, c)) {
          values.push_back(nullptr);
        } else if (rows.column_names()[c] == "id") {
          values.push_back(rows.GetInt(i, c));
        } else {
          values.push_back(rows.Get(i, c));
        }
      }
      out["rows"].push_back(std::move(values));
    }
    return out;
  }

  // Sessions in the lab's databases that wait for a lock (a metadata lock:
  // PROCESSLIST's state; a row lock: INNODB_TRX's LOCK WAIT) or hold an
  // InnoDB transaction open (whose row or metadata locks others may wait for).
  Result<nlohmann::json> Locks() override {
    ZS_RETURN_IF_ERROR(EnsureMonitor());
    ZS_ASSIGN_OR_RETURN(
        mysql::Rows rows,
        monitor_->Exec(fmt::format(
            "SELECT p.ID, p.STATE, COALESCE(t.trx_state, ''), COALESCE(p.INFO, '') "
            "FROM information_schema.PROCESSLIST p "
            "LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID "
            "WHERE p.ID <> CONNECTION_ID() AND (p.DB = {0} OR p.DB LIKE CONCAT({0}, '\\_%')) "
            "AND (t.trx_id IS NOT NULL OR p.STATE LIKE 'Waiting for%lock%') ORDER BY p.ID",
            mysql::QuoteLiteral(kMariadbLabDatabase))));
    nlohmann::json list = nlohmann::json::array();
    for (int i = 0; i < rows.size(); ++i) {
      std::string state = rows.Get(i, 1);
      bool metadata_wait = state.rfind("Waiting for", 0) == 0;
      bool row_wait = rows.Get(i, 2) == "LOCK WAIT";
      std::string mode = metadata_wait ? state
                         : row_wait    ? "row lock (InnoDB LOCK WAIT)"
                                       : "transaction open (" + rows.Get(i, 2) + ")";
      list.push_back({{"pid", rows.GetInt(i, 0)},
                      {"mode", mode},
                      {"granted", !metadata_wait && !row_wait},
                      {"application", ""},
                      {"query", rows.Get(i, 3)}});
    }
    return list;
  }

 private:
  Status EnsureMonitor() {
    if (monitor_ && monitor_->Run("DO 1").ok()) return Status::Ok();
    monitor_.reset();
    // Short bounds: while the naive script holds its locks the rows cannot be read.
    ZS_ASSIGN_OR_RETURN(mysql::Connection conn,
                        mysql::Connection::Open(url_, {.program_name = "zeroshift-lab-monitor",
                                                       .lock_wait_timeout_s = 1,
                                                       .innodb_lock_wait_timeout_s = 1}));
    ZS_RETURN_IF_ERROR(conn.Run("SET SESSION max_statement_time = 0.8"));
    monitor_.emplace(std::move(conn));
    return Status::Ok();
  }

  std::unique_ptr<servers::MariadbServer> server_;
  std::string url_;
  std::optional<mysql::Connection> monitor_;
};

}  // namespace

std::unique_ptr<LabDatabase> MariadbLabDatabase() { return std::make_unique<MariadbLab>(); }

}  // namespace zs::lab
