#include "bench/mariadb_zeroshift.h"

#include <cstdlib>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "bench/engine_run.h"
#include "engine/engine.h"
#include "lab/mariadb_users_table.h"
#include "lab/workload.h"
#include "migration/parser.h"
#include "servers/mariadb_server.h"

namespace zs::bench {

namespace {

void MdSleepSeconds(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

// The slowest request in flight at any moment of [from_s, to_s].
const lab::RequestRecord* MdLongestDuring(const std::vector<lab::RequestRecord>& records,
                                          double from_s, double to_s) {
  const lab::RequestRecord* longest = nullptr;
  for (const lab::RequestRecord& r : records) {
    if (r.start_s > to_s || r.end_s() < from_s) continue;
    if (longest == nullptr || r.latency_ms > longest->latency_ms) longest = &r;
  }
  return longest;
}

// The engine's phases and log lines, in ms since the change began.
void MdStampEvents(const TimedEngine& engine, MariadbChangeRun& run) {
  run.events_ms.clear();
  for (const EngineEvent& event : engine.events()) {
    run.events_ms.emplace_back(event.line, Seconds(event.at - run.began) * 1000.0);
  }
}

}  // namespace

servers::MariadbServerOptions Figure6ServerOptions() {
  servers::MariadbServerOptions options;
  options.server_args = {// Holds the 1 M-row table and a copy of it (about 100 MB each), as a
                         // production buffer pool holds its working set.
                         "--innodb-buffer-pool-size=1G",
                         // As large as the buffer pool (MariaDB's "maximum capacity"): a bulk
                         // write is not timed through forced checkpoint flushing.
                         "--innodb-log-file-size=1G",
                         // The server's default: every commit is durable.
                         "--innodb-flush-log-at-trx-commit=1"};
  // A primary with replicas writes the binary log (MIXED, the default).
  options.server_id = 1;
  options.log_bin = true;
  return options;
}

double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name in parentheses may hold spaces: fields count from the
  // last ')'; utime and stime are fields 14 and 15, the 12th and 13th after.
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(text.substr(paren + 1));
  std::string field;
  long long utime = -1, stime = -1;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::atoll(field.c_str());
    if (i == 15) stime = std::atoll(field.c_str());
  }
  if (utime < 0 || stime < 0) return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

Result<nlohmann::json> MariadbWriteSettings(const std::string& url) {
  ZS_ASSIGN_OR_RETURN(mysql::Connection conn, mysql::Connection::Open(url));
  static const char* const kNames[] = {"version",
                                       "innodb_buffer_pool_size",
                                       "innodb_log_file_size",
                                       "innodb_flush_log_at_trx_commit",
                                       "innodb_doublewrite",
                                       "innodb_flush_method",
                                       "log_bin",
                                       "binlog_format",
                                       "sync_binlog"};
  nlohmann::json out = nlohmann::json::object();
  for (const char* name : kNames) {
    ZS_ASSIGN_OR_RETURN(mysql::Rows rows, conn.Exec(fmt::format("SELECT @@{}", name)));
    out[name] = rows.empty() ? "" : rows.Get(0, 0);
  }
  return out;
}

nlohmann::json MariadbChangeRun::ToJson() const {
  return {{"total_ms", total_ms},
          {"phases_ms", phases_ms},
          {"backfill_seconds", backfill_s},
          {"backfill_rows", backfill_rows},
          {"backfill_rows_per_s", RowsPerSecond()},
          {"requests", summary.requests},
          {"client_errors", summary.errors},
          {"client_timeouts", summary.timeouts},
          {"errors_by_class", errors_by_class},
          {"errors_by_message", errors_by_message},
          {"longest_request_ms", summary.max_ms},
          {"longest_request_during_change_ms", longest_during_ms},
          {"longest_request_during_change_began_at_ms", longest_at_ms},
          {"engine_events_ms", events_ms},
          {"p50_ms", summary.p50_ms},
          {"p99_ms", summary.p99_ms},
          {"longest_stall_ms", summary.longest_stall_ms},
          {"load_seconds", load_s},
          {"server_settings", server_settings},
          {"server_cpu_seconds_change_and_after", server_cpu_s}};
}

Result<MariadbChangeRun> RunMariadbChangeUnderLoad(const MariadbLoadSetup& setup,
                                                   const std::string& database,
                                                   const MariadbChange& change,
                                                   const std::string& check,
                                                   const std::string& label) {
  ZS_ASSIGN_OR_RETURN(std::unique_ptr<servers::MariadbServer> server,
                      servers::MariadbServer::Start(setup.server));
  ZS_ASSIGN_OR_RETURN(std::string url, server->CreateDatabase(database));
  MariadbChangeRun run;
  ZS_ASSIGN_OR_RETURN(run.server_settings, MariadbWriteSettings(url));
  Say(fmt::format("6. {}: loading {} rows", label, Thousands(static_cast<double>(setup.rows))));
  auto load_start = Clock::now();
  {
    ZS_ASSIGN_OR_RETURN(mysql::Connection conn, mysql::Connection::Open(url));
    ZS_RETURN_IF_ERROR(lab::MariadbLoadUsers(conn, setup.rows));
  }
  run.load_s = SecondsSince(load_start);

  lab::Workload workload({.conninfo = url,
                          .clients = setup.clients,
                          .rate = setup.rate,
                          .id_range = std::max(1LL, setup.rows),
                          .timeout = setup.client_timeout,
                          .backend = backend::Kind::kMariadb});
  run.shift_clients = [&workload, &label](const std::string& version) -> Status {
    workload.ShiftTo(lab::ClientVersion::kV2, version);
    auto began = Clock::now();
    while (!workload.AllShifted()) {
      if (SecondsSince(began) > 60) {
        return Internal(
            fmt::format("{}: the clients did not all move to version {} within 60 s; "
                        "see the workload's errors",
                        label, version));
      }
      MdSleepSeconds(0.05);
    }
    return Status::Ok();
  };
  workload.Start();
  MdSleepSeconds(setup.before_s);
  Say(fmt::format("6. {}: the change, under the clients' load", label));
  double from_s = workload.Now();
  run.began = Clock::now();
  double cpu_before = ProcessCpuSeconds(server->pid());
  Status changed = change(url, run);
  double to_s = workload.Now();
  MdSleepSeconds(changed.ok() ? setup.after_s : 0);
  workload.Stop();
  run.server_cpu_s = ProcessCpuSeconds(server->pid()) - cpu_before;
  run.shift_clients = nullptr;  // it holds the workload, gone on return
  ZS_RETURN_IF_ERROR(changed.WithContext(label));

  std::vector<lab::RequestRecord> records = workload.Records();
  run.total_ms = (to_s - from_s) * 1000.0;
  if (const lab::RequestRecord* longest = MdLongestDuring(records, from_s, to_s)) {
    run.longest_during_ms = longest->latency_ms;
    run.longest_at_ms = (longest->start_s - from_s) * 1000.0;
  }
  run.summary = lab::Summarize(records, 0, workload.Now());
  run.errors_by_message = workload.ErrorCounts();
  for (const auto& [error_class, count] : workload.ErrorClassCounts()) {
    run.errors_by_class[std::string(backend::ErrorClassName(error_class))] += count;
  }

  ZS_ASSIGN_OR_RETURN(mysql::Connection conn, mysql::Connection::Open(url));
  ZS_ASSIGN_OR_RETURN(mysql::Rows wrong, conn.Exec(check));
  if (wrong.empty() || wrong.Get(0, 0) != "0") {
    return Internal(fmt::format(
        "{}: {} rows of {}.users are wrong after the change (check: {}); the figure is not "
        "reported; run the change by hand on a copy to see which",
        label, wrong.empty() ? std::string("?") : wrong.Get(0, 0), database, check));
  }
  return run;
}

// The version start created, read by an engine of its own (the timed one
// does not expose it).
Result<std::string> MdLatestVersion(const std::string& url) {
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, engine::Engine::Connect(url, engine::Options{}));
  return engine.LatestVersionSchema();
}

MariadbChange ZeroshiftChange(std::string migration_file, bool complete, bool shift) {
  return
      [migration_file, complete, shift](const std::string& url, MariadbChangeRun& run) -> Status {
        ZS_ASSIGN_OR_RETURN(migration::Migration migration,
                            migration::LoadMigrationFile(migration_file));
        // ZS_BENCH_PEER_FLAGS: backfill flags of `zeroshift start` for
        // figure 6's zeroshift sides ("--backfill-workers 2"); unset: the defaults.
        const char* flags = std::getenv("ZS_BENCH_PEER_FLAGS");
        ZS_ASSIGN_OR_RETURN(backfill::Options options, CliBackfillOptions(flags ? flags : ""));
        ZS_ASSIGN_OR_RETURN(std::unique_ptr<TimedEngine> engine,
                            TimedEngine::Connect(url, std::move(options)));
        ZS_RETURN_IF_ERROR(engine->Init());
        auto start = Clock::now();
        Result<StartRun> started = engine->Start(migration);
        MdStampEvents(*engine, run);
        if (!started.ok()) return started.status();
        run.phases_ms["start"] = SecondsSince(start) * 1000.0;
        run.backfill_s = started->backfill_seconds;
        run.backfill_rows = started->rows_reported;
        if (complete && shift) {
          auto began = Clock::now();
          ZS_ASSIGN_OR_RETURN(std::string version, MdLatestVersion(url));
          ZS_RETURN_IF_ERROR(run.shift_clients(version));
          run.phases_ms["shift"] = SecondsSince(began) * 1000.0;
        }
        if (complete) {
          auto began = Clock::now();
          Status completed = engine->Complete();
          MdStampEvents(*engine, run);
          ZS_RETURN_IF_ERROR(completed);
          run.phases_ms["complete"] = SecondsSince(began) * 1000.0;
        }
        return Status::Ok();
      };
}

MariadbChange NaiveUpdateChange(std::string add_columns, std::string update) {
  return [add_columns, update](const std::string& url, MariadbChangeRun& run) -> Status {
    ZS_ASSIGN_OR_RETURN(mysql::Connection conn, mysql::Connection::Open(url));
    auto began = Clock::now();
    ZS_RETURN_IF_ERROR(conn.Run(add_columns));
    run.phases_ms["add_columns"] = SecondsSince(began) * 1000.0;
    auto start = Clock::now();
    ZS_ASSIGN_OR_RETURN(mysql::Rows updated, conn.Exec(update));
    run.backfill_s = SecondsSince(start);
    run.phases_ms["update"] = run.backfill_s * 1000.0;
    run.backfill_rows = updated.AffectedRows();
    return Status::Ok();
  };
}

}  // namespace zs::bench
