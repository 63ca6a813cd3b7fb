// The interactive lab on PostgreSQL: the --url server or an embedded one, a
// lab database of its own dropped with the session (users_table.h), and the
// dashboard's lock view from pg_locks.
#include <optional>

#include <fmt/format.h>

#include "lab/session.h"
#include "lab/session_database.h"
#include "lab/users_table.h"
#include "pg/connection.h"
#include "servers/temp_cluster.h"

namespace zs::lab {

namespace {

// The lab's database is kPostgresLabPrefix and a random suffix (UniqueDatabaseName).
constexpr const char* kPostgresLabPrefix = "zeroshift_lab";

constexpr LabSteps kPostgresSteps = {{
    {"expand", "1. Expand",
     "ADD COLUMN first_name and last_name, nullable, each under a short lock_timeout. The old "
     "column name is untouched, so v1 clients keep reading and writing it."},
    {"dual_write", "2. Dual write",
     "Triggers keep both shapes in step on every write: a v1 write of name fills first_name and "
     "last_name, a v2 write of first_name/last_name fills name. A version schema with a view in "
     "the new shape is created for v2 clients."},
    {"backfill", "3. Backfill",
     "Existing rows are touched in small keyset batches on id, each its own short transaction, "
     "so the trigger fills first_name and last_name without locking the table."},
    {"shift_reads", "4. Shift reads",
     "The application deploys v2: its clients use the version schema and read and write "
     "first_name/last_name. v1 would still work; a rollback is still possible."},
    {"contract", "5. Contract",
     "zeroshift complete: the triggers go and name is dropped in one short transaction. Only "
     "the new shape remains."},
}};

class PostgresLab final : public LabDatabase {
 public:
  explicit PostgresLab(std::string admin) : admin_(std::move(admin)) {}

  backend::Kind kind() const override { return backend::Kind::kPostgres; }
  const char* DisplayName() const override { return "PostgreSQL"; }
  const char* LocksSource() const override { return "pg_locks"; }
  const LabSteps& Steps() const override { return kPostgresSteps; }

  Status Open() override {
    if (admin_.empty()) {
      ZS_ASSIGN_OR_RETURN(cluster_, servers::TempCluster::Start());
      admin_ = cluster_->Url();
    }
    database_ = UniqueDatabaseName(kPostgresLabPrefix);
    ZS_ASSIGN_OR_RETURN(url_, WithDatabase(admin_, database_));
    return Status::Ok();
  }
  const std::string& url() const override { return url_; }

  Status Reload(long long rows) override {
    ZS_RETURN_IF_ERROR(RecreateDatabase(admin_, database_).status());
    ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(url_));
    return LoadUsers(conn, rows);
  }
  Status Drop() override {
    if (database_.empty()) return Status::Ok();
    return DropDatabase(admin_, database_);
  }

  Status RunNaive(const std::function<double()>& now,
                  const std::function<void(const StepResult&, bool)>& on_step,
                  std::vector<StepResult>& steps) override {
    ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(url_));
    return RunNaiveScript(conn, now, on_step, steps);
  }

  Result<nlohmann::json> FirstRows(int limit) override {
    ZS_RETURN_IF_ERROR(EnsureMonitor());
    return lab::FirstRows(*monitor_, limit);
  }

  Result<nlohmann::json> Locks() override {
    ZS_RETURN_IF_ERROR(EnsureMonitor());
    ZS_ASSIGN_OR_RETURN(
        pg::Rows locks,
        monitor_->Exec("SELECT l.pid, l.mode, l.granted, coalesce(a.application_name, ''), "
                       "       coalesce(a.query, '') "
                       "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
                       "WHERE l.locktype = 'relation' AND l.relation = to_regclass('public.users') "
                       "  AND l.pid <> pg_backend_pid() ORDER BY l.granted, l.pid"));
    nlohmann::json list = nlohmann::json::array();
    for (int i = 0; i < locks.size(); ++i) {
      list.push_back({{"pid", locks.GetInt(i, 0)},
                      {"mode", locks.Get(i, 1)},
                      {"granted", locks.GetBool(i, 2)},
                      {"application", locks.Get(i, 3)},
                      {"query", locks.Get(i, 4)}});
    }
    return list;
  }

 private:
  Status EnsureMonitor() {
    if (monitor_ && PQstatus(monitor_->raw()) == CONNECTION_OK) return Status::Ok();
    monitor_.reset();
    // Short timeouts: while the naive script holds its lock the rows cannot be read.
    ZS_ASSIGN_OR_RETURN(
        pg::Connection conn,
        pg::Connection::Open(url_, {.application_name = "zeroshift-lab-monitor",
                                    .lock_timeout = std::chrono::milliseconds(200),
                                    .statement_timeout = std::chrono::milliseconds(800)}));
    monitor_.emplace(std::move(conn));
    return Status::Ok();
  }

  std::unique_ptr<servers::TempCluster> cluster_;
  std::string admin_;
  std::string database_;
  std::string url_;
  std::optional<pg::Connection> monitor_;
};

}  // namespace

std::unique_ptr<LabDatabase> PostgresLabDatabase(const SessionOptions& options) {
  return std::make_unique<PostgresLab>(options.postgres_url);
}

}  // namespace zs::lab
