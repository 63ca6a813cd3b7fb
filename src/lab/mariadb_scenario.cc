#include "lab/mariadb_scenario.h"

#include <algorithm>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lab/lock_sampler.h"
#include "lab/mariadb_users_table.h"
#include "lab/scenario_frame.h"
#include "lab/workload.h"
#include "migration/parser.h"

namespace zs::lab {

namespace {

// INNODB_TRX is a cache that InnoDB refills only when nobody has read it for
// 100 ms (trx0i_s.cc, CACHE_MIN_IDLE_TIME): polled every 10 ms it stayed
// empty while five sessions waited for row locks (measured). Sampling slower
// than that keeps every sample fresh, as long as nothing else polls it fast.
constexpr std::chrono::milliseconds kMariadbLockSampleInterval{150};

void MariadbProgress(const MariadbScenarioOptions& options, const std::string& line) {
  if (options.progress) options.progress(line);
}

// How many of the workload's client sessions wait for a lock now: an InnoDB
// row lock (INNODB_TRX in LOCK WAIT) or a metadata lock (PROCESSLIST state
// "Waiting for table metadata lock"), and the longest one's time in its
// statement (TIME_MS: a client runs one statement per request). The same
// query groups every other busy session of the database by command and state
// (PROCESSLIST gives no more cheaply: no wait events), for the explanation
// of the slowest requests.
std::function<Result<LockProbe>()> MariadbLockProbe(mysql::Connection conn,
                                                    const Workload& workload) {
  auto shared = std::make_shared<mysql::Connection>(std::move(conn));
  return [shared, &workload]() -> Result<LockProbe> {
    std::vector<long long> ids = workload.ClientSessionIds();
    std::string list = ids.empty() ? std::string("0") : fmt::format("{}", fmt::join(ids, ","));
    ZS_ASSIGN_OR_RETURN(
        mysql::Rows rows,
        shared->Exec(
            fmt::format("SELECT p.ID IN ({0}), (COALESCE(t.trx_state, '') = 'LOCK WAIT' OR "
                        "COALESCE(p.STATE, '') LIKE 'Waiting for%lock%'), "
                        "p.COMMAND, COALESCE(p.STATE, ''), COUNT(*), COALESCE(MAX(p.TIME_MS), 0) "
                        "FROM information_schema.PROCESSLIST p "
                        "LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID "
                        "WHERE p.ID <> CONNECTION_ID() AND p.COMMAND NOT IN ('Sleep', 'Daemon') "
                        "AND (p.ID IN ({0}) OR p.DB = DATABASE()) GROUP BY 1, 2, 3, 4",
                        list)));
    LockProbe probe;
    for (int i = 0; i < rows.size(); ++i) {
      bool client = rows.GetInt(i, 0) == 1;
      bool lock_wait = rows.Get(i, 1) == "1";
      std::string state = rows.Get(i, 3).empty() ? rows.Get(i, 2) : rows.Get(i, 3);
      long long n = rows.GetInt(i, 4);
      std::string who = client ? (n == 1 ? "1 client" : fmt::format("{} clients", n))
                               : (n == 1 ? "1 other session" : fmt::format("{} other sessions", n));
      if (client && lock_wait) {
        probe.waiting += static_cast<int>(n);
        probe.longest_ms = std::max(probe.longest_ms, std::stod(rows.Get(i, 5)));
        probe.client_waited = true;
      }
      probe.seen.push_back(lock_wait ? fmt::format("{} waiting for a lock ({})", who, state)
                                     : fmt::format("{}: {}", who, state));
    }
    return probe;
  };
}

// The frame (scenario_frame.h) in the database options.url names.
Result<ScenarioResult> RunMariadbScenario(
    const MariadbScenarioOptions& options, const std::string& name,
    const std::function<Status(Workload&, std::vector<StepResult>&)>& change) {
  ScenarioFrame frame{
      .name = name,
      .label = name + " (MariaDB)",
      .context = fmt::format("scenario {} on MariaDB", name),
      .shape = ShapeOf(options),
      .progress = options.progress,
      .workload = {.conninfo = options.url,
                   .clients = options.clients,
                   .rate = options.rate,
                   .id_range = std::max(1LL, options.rows),
                   .timeout = options.client_timeout,
                   .backend = backend::Kind::kMariadb},
      .load_users = [&]() -> Status {
        ZS_ASSIGN_OR_RETURN(mysql::Connection conn, mysql::Connection::Open(options.url));
        return MariadbLoadUsers(conn, options.rows);
      },
      .open_lock_probe =
          [&](const Workload& workload) -> Result<std::function<Result<LockProbe>()>> {
        ZS_ASSIGN_OR_RETURN(mysql::Connection sampler_conn, mysql::Connection::Open(options.url));
        return MariadbLockProbe(std::move(sampler_conn), workload);
      },
      .sample_interval = kMariadbLockSampleInterval};
  return RunScenarioFrame(frame, change);
}

}  // namespace

const std::vector<NaiveStatement>& MariadbNaiveScript() {
  static const std::vector<NaiveStatement> script = {
      {"ADD COLUMN first_name", "ALTER TABLE users ADD COLUMN first_name VARCHAR(100)"},
      {"ADD COLUMN last_name", "ALTER TABLE users ADD COLUMN last_name VARCHAR(100)"},
      {"UPDATE first_name, last_name",
       "UPDATE users SET first_name = SUBSTRING_INDEX(name, ' ', 1), "
       "last_name = SUBSTRING_INDEX(name, ' ', -1)"},
      {"DROP COLUMN name", "ALTER TABLE users DROP COLUMN name"},
      {"COMMIT", "COMMIT"},
  };
  return script;
}

Status RunMariadbNaiveScript(mysql::Connection& conn, const std::function<double()>& now,
                             const std::function<void(const StepResult&, bool)>& on_step,
                             std::vector<StepResult>& steps) {
  // As the seed's script does; on MariaDB the first ALTER commits it.
  ZS_RETURN_IF_ERROR(conn.Run("BEGIN"));
  for (const NaiveStatement& statement : MariadbNaiveScript()) {
    StepResult step{.name = statement.name, .sql = statement.sql, .start_s = now()};
    if (on_step) on_step(step, false);
    Status status = conn.Run(statement.sql);
    step.duration_ms = (now() - step.start_s) * 1000.0;
    if (!status.ok()) {
      return status.WithContext(fmt::format(
          "the naive script's \"{}\" on MariaDB (the statements before it stay: each ALTER "
          "commits)",
          statement.sql));
    }
    steps.push_back(step);
    if (on_step) on_step(step, true);
  }
  return Status::Ok();
}

Result<ScenarioResult> RunMariadbNaiveScenario(const MariadbScenarioOptions& options) {
  // The script runs as a person's would, at the server's default isolation
  // (REPEATABLE READ: the UPDATE's next-key locks also hold inserts back).
  ZS_ASSIGN_OR_RETURN(mysql::Connection script_conn,
                      mysql::Connection::Open(options.url, {.read_committed = false}));
  return RunMariadbScenario(
      options, "naive", [&](Workload& workload, std::vector<StepResult>& steps) -> Status {
        MariadbProgress(options, "naive (MariaDB): running the seed's script");
        return RunMariadbNaiveScript(
            script_conn, [&] { return workload.Now(); }, options.on_step, steps);
      });
}

Result<ScenarioResult> RunMariadbExpandContractScenario(const MariadbScenarioOptions& options) {
  ZS_ASSIGN_OR_RETURN(migration::Migration migration,
                      migration::LoadMigrationFile(options.migration_file));
  return RunMariadbScenario(options, "expand-contract",
                            [&](Workload& workload, std::vector<StepResult>& steps) -> Status {
                              return RunExpandContractSteps(
                                  {.url = options.url,
                                   .label = "expand-contract (MariaDB)",
                                   .migration = &migration,
                                   .backfill_batch_size = options.backfill_batch_size,
                                   .settle_s = options.settle_s,
                                   .progress = options.progress,
                                   .describe_shift =
                                       [](const std::string& version) {
                                         return "(USE " + version + ", SET @zeroshift_version)";
                                       }},
                                  workload, steps);
                            });
}

}  // namespace zs::lab
