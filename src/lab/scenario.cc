#include "lab/scenario.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "lab/lock_sampler.h"
#include "lab/postgres_probe.h"
#include "lab/scenario_frame.h"
#include "lab/users_table.h"
#include "lab/workload.h"
#include "migration/parser.h"

namespace zs::lab {

namespace {

const char* kLockWaitMethod =
    "pg_stat_activity sampled every 20 ms: workload connections with wait_event_type = 'Lock' "
    "(lock_wait_ms = client time waiting summed over clients; waits shorter than a sample can "
    "be missed); the same query records every non-idle session's wait event, vacuums in "
    "progress and a running checkpoint, which explain each step's slowest request";

// Drops the scenario's database however the scenario ends.
class DatabaseGuard {
 public:
  DatabaseGuard(std::string admin, std::string database)
      : admin_(std::move(admin)), database_(std::move(database)) {}
  ~DatabaseGuard() { (void)DropDatabase(admin_, database_); }

 private:
  std::string admin_;
  std::string database_;
};

void Progress(const ScenarioOptions& options, const std::string& line) {
  if (options.progress) options.progress(line);
}

// The frame (scenario_frame.h) on a fresh database of its own, dropped at the end.
struct Run {
  std::string url;
  Workload* workload = nullptr;
};

Result<ScenarioResult> RunScenario(
    const ScenarioOptions& options, const std::string& name, const std::string& database_prefix,
    const std::function<Status(Run&, std::vector<StepResult>&)>& change) {
  // A name of its own: a database the user has under the plain name is never touched.
  const std::string database = UniqueDatabaseName(database_prefix);
  ZS_ASSIGN_OR_RETURN(std::string url, RecreateDatabase(options.admin_conninfo, database));
  DatabaseGuard drop_at_end(options.admin_conninfo, database);
  ScenarioFrame frame{
      .name = name,
      .label = name,
      .context = fmt::format("scenario {}", name),
      .shape = ShapeOf(options),
      .progress = options.progress,
      .workload = {.conninfo = url,
                   .clients = options.clients,
                   .rate = options.rate,
                   .id_range = options.rows,
                   .timeout = options.client_timeout},
      .load_users = [&]() -> Status {
        ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(url));
        return LoadUsers(conn, options.rows);
      },
      .open_lock_probe = [&](const Workload&) -> Result<std::function<Result<LockProbe>()>> {
        return OpenPostgresServerProbe(url);
      }};
  return RunScenarioFrame(frame, [&](Workload& workload, std::vector<StepResult>& steps) {
    Run run{.url = url, .workload = &workload};
    return change(run, steps);
  });
}

double Rounded(double value, int decimals = 2) {
  double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

nlohmann::json SlowestRequestJson(const SlowestRequest& slowest) {
  nlohmann::json seen = nlohmann::json::array();
  for (const auto& [line, count] : slowest.seen) {
    seen.push_back({{"what", line}, {"samples", count}});
  }
  return {{"start_s", Rounded(slowest.start_s, 3)},
          {"ms", Rounded(slowest.ms)},
          {"kind", slowest.kind},
          {"ok", slowest.ok},
          {"samples", slowest.samples},
          {"seen", std::move(seen)},
          {"explanation", slowest.explanation}};
}

// "adaptive, first batch 1000 rows, ~30 ms per batch, nice ratio 1, ...": the
// setup's backfill in one line for the terminal.
std::string BackfillLine(const nlohmann::json& backfill) {
  if (!backfill.is_object()) return "";
  std::string how =
      backfill.value("mode", "") == "adaptive"
          ? fmt::format(
                "adaptive, first batch {} rows, about {} ms per batch ({}..{} rows), "
                "nice ratio {}, {} session(s), long transactions: {}",
                backfill.value("batch_size", 0), backfill.value("target_batch_ms", 0),
                backfill.value("min_batch_rows", 0), backfill.value("max_batch_rows", 0),
                backfill.value("nice_ratio", 0.0),
                std::max(backfill.value("workers", 1), backfill.value("auto_workers", 0)),
                backfill.value("long_xact", ""))
          : fmt::format("fixed, {} rows per batch, {} ms between batches",
                        backfill.value("batch_size", 0), backfill.value("batch_delay_ms", 0));
  return fmt::format("Backfill: {} ({}).\n", how, backfill.value("source", ""));
}

}  // namespace

void PhaseClock::Enter(std::string_view phase) {
  std::lock_guard lock(mu_);
  double now = workload_.Now();
  if (!steps_.empty() && steps_.back().duration_ms < 0) Close(now);
  steps_.push_back({.name = std::string(phase), .start_s = now, .duration_ms = -1});
}

void PhaseClock::CloseLast() {
  std::lock_guard lock(mu_);
  if (!steps_.empty() && steps_.back().duration_ms < 0) Close(workload_.Now());
}

std::vector<StepResult> PhaseClock::Take() {
  std::lock_guard lock(mu_);
  return std::exchange(steps_, {});
}

void PhaseClock::Close(double now) {
  steps_.back().duration_ms = (now - steps_.back().start_s) * 1000.0;
}

Result<StepResult> ShiftClients(Workload& workload, const std::string& version) {
  StepResult shift{.name = "shift_reads", .start_s = workload.Now()};
  workload.ShiftTo(ClientVersion::kV2, version);
  while (!workload.AllShifted()) {
    if (workload.Now() - shift.start_s > kShiftDeadlineSeconds) {
      return Internal(
          fmt::format("the workload's clients did not all shift to {} within {} s; they are stuck",
                      version, kShiftDeadlineSeconds));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  shift.duration_ms = (workload.Now() - shift.start_s) * 1000.0;
  return shift;
}

const std::vector<NaiveStatement>& NaiveScript() {
  static const std::vector<NaiveStatement> script = {
      {"ADD COLUMN first_name", "ALTER TABLE users ADD COLUMN first_name VARCHAR(100);"},
      {"ADD COLUMN last_name", "ALTER TABLE users ADD COLUMN last_name VARCHAR(100);"},
      {"UPDATE first_name", "UPDATE users SET first_name = split_part(name, ' ', 1);"},
      {"UPDATE last_name", "UPDATE users SET last_name = substring(name from ' (.*)$');"},
      {"DROP COLUMN name", "ALTER TABLE users DROP COLUMN name;"},
      {"COMMIT", "COMMIT;"},
  };
  return script;
}

Status RunNaiveScript(pg::Connection& conn, const std::function<double()>& now,
                      const std::function<void(const StepResult&, bool)>& on_step,
                      std::vector<StepResult>& steps) {
  ZS_RETURN_IF_ERROR(conn.Run("SET search_path TO public"));
  ZS_RETURN_IF_ERROR(conn.Run("BEGIN"));
  for (const NaiveStatement& statement : NaiveScript()) {
    StepResult step{.name = statement.name, .sql = statement.sql, .start_s = now()};
    if (on_step) on_step(step, false);
    Status status = conn.Run(statement.sql);
    step.duration_ms = (now() - step.start_s) * 1000.0;
    if (!status.ok()) {
      (void)conn.Run("ROLLBACK");
      return status.WithContext(fmt::format("the naive script's \"{}\"", statement.sql));
    }
    steps.push_back(step);
    if (on_step) on_step(step, true);
  }
  return Status::Ok();
}

Result<ScenarioResult> RunNaiveScenario(const ScenarioOptions& options) {
  return RunScenario(options, "naive", options.database_prefix + "_naive",
                     [&](Run& run, std::vector<StepResult>& steps) -> Status {
                       Progress(options, "naive: running the seed's script in one transaction");
                       ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(run.url));
                       return RunNaiveScript(
                           conn, [&] { return run.workload->Now(); }, nullptr, steps);
                     });
}

Result<ScenarioResult> RunExpandContractScenario(const ScenarioOptions& options) {
  ZS_ASSIGN_OR_RETURN(migration::Migration migration,
                      migration::LoadMigrationFile(options.migration_file));
  return RunScenario(
      options, "expand-contract", options.database_prefix + "_expand_contract",
      [&](Run& run, std::vector<StepResult>& steps) -> Status {
        return RunExpandContractSteps(
            {.url = run.url,
             .label = "expand-contract",
             .migration = &migration,
             .backfill_batch_size = options.backfill_batch_size,
             .settle_s = options.settle_s,
             .progress = options.progress,
             .describe_shift = [](const std::string& version) { return "(" + version + ")"; }},
            *run.workload, steps);
      });
}

Result<Comparison> RunComparison(const ScenarioOptions& options) {
  Comparison comparison;
  ZS_ASSIGN_OR_RETURN(pg::Connection admin, pg::Connection::Open(options.admin_conninfo));
  ZS_ASSIGN_OR_RETURN(std::string version, ServerVersion(admin));
  comparison.setup = ComparisonSetup(ShapeOf(options), kLockWaitMethod);
  comparison.setup["postgres_version"] = version;
  ZS_ASSIGN_OR_RETURN(ScenarioResult naive, RunNaiveScenario(options));
  comparison.scenarios.push_back(std::move(naive));
  ZS_ASSIGN_OR_RETURN(ScenarioResult expand_contract, RunExpandContractScenario(options));
  comparison.scenarios.push_back(std::move(expand_contract));
  return comparison;
}

nlohmann::json ReportJson(const Comparison& comparison) {
  nlohmann::json scenarios = nlohmann::json::array();
  for (const ScenarioResult& r : comparison.scenarios) {
    const Summary& s = r.summary;
    nlohmann::json steps = nlohmann::json::array();
    for (const StepResult& step : r.steps) {
      nlohmann::json j = {{"name", step.name},
                          {"start_s", Rounded(step.start_s, 3)},
                          {"duration_ms", Rounded(step.duration_ms)},
                          {"lock_wait_ms", Rounded(step.lock_wait_ms)},
                          {"max_lock_wait_ms", Rounded(step.max_lock_wait_ms)},
                          {"max_request_ms", Rounded(step.max_request_ms)}};
      if (!step.sql.empty()) j["sql"] = step.sql;
      if (step.slowest.found) j["slowest_request"] = SlowestRequestJson(step.slowest);
      steps.push_back(std::move(j));
    }
    nlohmann::json series = nlohmann::json::array();
    for (const SecondStats& second : s.seconds) {
      series.push_back({{"t", second.t},
                        {"requests", second.requests},
                        {"errors", second.errors},
                        {"p99_ms", Rounded(second.p99_ms)},
                        {"max_ms", Rounded(second.max_ms)},
                        {"up", second.up}});
    }
    scenarios.push_back({{"name", r.name},
                         {"requests", s.requests},
                         {"errors", s.errors},
                         {"timeouts", s.timeouts},
                         {"uptime_percent", Rounded(s.uptime_percent)},
                         {"windows", s.windows},
                         {"windows_down", s.windows_down},
                         {"p50_ms", Rounded(s.p50_ms, 3)},
                         {"p99_ms", Rounded(s.p99_ms, 3)},
                         {"max_ms", Rounded(s.max_ms)},
                         {"longest_stall_ms", Rounded(s.longest_stall_ms)},
                         {"duration_s", Rounded(s.duration_s)},
                         {"load_s", Rounded(r.load_s)},
                         {"steps", std::move(steps)},
                         {"errors_by_message", r.errors_by_message},
                         {"series", std::move(series)}});
  }
  nlohmann::json out = {{"setup", comparison.setup}, {"scenarios", std::move(scenarios)}};
  if (!comparison.notes.empty()) out["notes"] = comparison.notes;
  return out;
}

std::string ReportTable(const Comparison& comparison) {
  const auto& list = comparison.scenarios;
  std::string out = fmt::format("{:<22}", "");
  for (const auto& r : list) out += fmt::format("{:>18}", r.name);
  out += "\n";
  auto row = [&](const char* label, const std::function<std::string(const ScenarioResult&)>& f) {
    out += fmt::format("{:<22}", label);
    for (const auto& r : list) out += fmt::format("{:>18}", f(r));
    out += "\n";
  };
  row("requests", [](const auto& r) { return std::to_string(r.summary.requests); });
  row("errors", [](const auto& r) { return std::to_string(r.summary.errors); });
  row("  of which timeouts", [](const auto& r) { return std::to_string(r.summary.timeouts); });
  row("uptime", [](const auto& r) {
    return fmt::format("{:.1f} % ({}/{} s)", r.summary.uptime_percent,
                       r.summary.windows - r.summary.windows_down, r.summary.windows);
  });
  row("p50 latency", [](const auto& r) { return fmt::format("{:.2f} ms", r.summary.p50_ms); });
  row("p99 latency", [](const auto& r) { return fmt::format("{:.2f} ms", r.summary.p99_ms); });
  row("max latency", [](const auto& r) { return fmt::format("{:.1f} ms", r.summary.max_ms); });
  row("longest stall",
      [](const auto& r) { return fmt::format("{:.0f} ms", r.summary.longest_stall_ms); });
  row("duration", [](const auto& r) { return fmt::format("{:.1f} s", r.summary.duration_s); });
  for (const auto& r : list) {
    out += fmt::format("\n{} steps{:>27}{:>12}{:>20}{:>17}\n", r.name, "start", "took",
                       "clients lock-waited", "slowest request");
    for (const auto& step : r.steps) {
      out += fmt::format("  {:<30}{:>8.2f} s{:>9.1f} ms{:>17.0f} ms{:>14.1f} ms\n", step.name,
                         step.start_s, step.duration_ms, step.lock_wait_ms, step.max_request_ms);
    }
    for (const auto& [message, count] : r.errors_by_message) {
      out += fmt::format("  {:>6} x {}\n", count, message);
    }
    out += fmt::format("{} slowest requests, explained by the server's samples:\n", r.name);
    for (const auto& step : r.steps) {
      if (!step.slowest.found) continue;
      out += fmt::format("  {}: {:.1f} ms {} from {:.3f} s{}: {}\n", step.name, step.slowest.ms,
                         step.slowest.kind, step.slowest.start_s,
                         step.slowest.ok ? "" : " (failed)", step.slowest.explanation);
    }
  }
  if (comparison.setup.contains("backfill"))
    out += "\n" + BackfillLine(comparison.setup["backfill"]);
  return out;
}

std::vector<ChartPanel> ReportChart(const Comparison& comparison) {
  std::vector<ChartPanel> panels;
  for (const ScenarioResult& r : comparison.scenarios) {
    ChartPanel panel{.title = fmt::format("{}: {} errors, uptime {:.1f} %, longest stall {:.0f} ms",
                                          r.name, r.summary.errors, r.summary.uptime_percent,
                                          r.summary.longest_stall_ms),
                     .duration_s = r.summary.duration_s,
                     .seconds = r.summary.seconds};
    for (const StepResult& step : r.steps) {
      panel.steps.push_back(
          {.name = step.name, .start_s = step.start_s, .duration_s = step.duration_ms / 1000.0});
    }
    panels.push_back(std::move(panel));
  }
  return panels;
}

}  // namespace zs::lab
