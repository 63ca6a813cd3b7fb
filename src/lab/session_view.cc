// What the dashboard sees: the monitor thread's view of the database (first
// rows, locks) and of the workload (figures, latency, log), refreshed once a
// second, and Snapshot(), which never waits on the database.
#include <algorithm>

#include "lab/metrics.h"
#include "lab/session_internal.h"

namespace zs::lab::session_internal {

void LabSession::EngineSays(const std::string& line) {
  size_t first = line.find_first_not_of(' ');
  if (first == std::string::npos) return;
  std::shared_ptr<Workload> workload = CurrentWorkload();
  double t = workload ? workload->Now() : 0;
  std::lock_guard lock(view_mu_);
  engine_log_.push_back({.t = t, .ok = true, .text = "zeroshift: " + line.substr(first)});
  while (engine_log_.size() > kEngineLogLines) engine_log_.pop_front();
}

void LabSession::MonitorLoop() {
  while (!stop_monitor_) {
    auto started = Clock::now();
    RefreshDatabaseView();
    RefreshFigures();
    auto next = started + std::chrono::milliseconds(1000);
    while (!stop_monitor_ && Clock::now() < next) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

void LabSession::RefreshDatabaseView() {
  Result<json> rows = database_->FirstRows(kFirstRows);
  Result<json> locks = database_->Locks();
  std::lock_guard lock(view_mu_);
  if (rows.ok()) {
    view_["columns"] = (*rows)["columns"];
    view_["rows"] = (*rows)["rows"];
    view_["rows_note"] = nullptr;
  } else {
    view_["rows_note"] = "the rows cannot be read right now: " + rows.status().message();
  }
  if (locks.ok()) view_["locks"] = std::move(*locks);
}

void LabSession::RefreshFigures() {
  std::shared_ptr<Workload> workload = CurrentWorkload();
  if (!workload) return;
  double now = workload->Now();
  std::vector<RequestRecord> records = workload->Records();
  std::vector<double> in_flight = workload->InFlightStarts();
  Summary all = Summarize(records, 0, now, in_flight);
  Summary recent = Summarize(records, std::max(0.0, now - kRecentWindowS), now, in_flight);
  long long last_second = std::count_if(records.begin(), records.end(), [now](const auto& r) {
    return r.end_s() > now - 1 && r.end_s() <= now;
  });
  json latency = json::array();
  size_t first = all.seconds.size() > kLatencySeconds ? all.seconds.size() - kLatencySeconds : 0;
  for (size_t i = first; i < all.seconds.size(); ++i) {
    const SecondStats& s = all.seconds[i];
    latency.push_back({{"t", s.t},
                       {"p99_ms", s.p99_ms},
                       {"max_ms", s.max_ms},
                       {"errors", s.errors},
                       {"requests", s.requests},
                       {"up", s.up}});
  }
  std::vector<LogLine> lines = workload->RecentLog(kLogLines);
  {
    std::lock_guard lock(view_mu_);
    lines.insert(lines.end(), engine_log_.begin(), engine_log_.end());
  }
  std::stable_sort(lines.begin(), lines.end(),
                   [](const LogLine& a, const LogLine& b) { return a.t < b.t; });
  json log = json::array();
  for (const LogLine& line : lines) {
    log.push_back({{"t", line.t}, {"ok", line.ok}, {"text", line.text}});
  }
  json stats = {{"elapsed_s", now},
                {"requests", all.requests},
                {"errors", all.errors},
                {"uptime_percent", all.uptime_percent},
                {"requests_per_s", last_second},
                {"p99_ms", recent.p99_ms},
                {"p99_window_s", kRecentWindowS},
                {"longest_stall_ms", all.longest_stall_ms},
                {"client_version", VersionName(workload->target_version())},
                {"clients", options_.clients},
                {"rate", options_.rate}};
  std::lock_guard lock(view_mu_);
  view_["stats"] = std::move(stats);
  view_["latency"] = std::move(latency);
  view_["log"] = std::move(log);
}

json LabSession::StateJson() const {
  json steps = json::array();
  const LabSteps& info = database_->Steps();
  for (int i = 0; i < static_cast<int>(info.size()); ++i) {
    std::string state = i == running_ ? "running" : i < step_ ? "done" : "pending";
    json duration = durations_ms_[i] ? json(*durations_ms_[i]) : json();
    if (i == running_) {
      duration = std::chrono::duration<double, std::milli>(Clock::now() - running_since_).count();
    }
    steps.push_back({{"name", info[i].name},
                     {"title", info[i].title},
                     {"explain", info[i].explain},
                     {"state", state},
                     {"duration_ms", duration}});
  }
  return {{"step", step_ == 0 ? "v1" : info[step_ - 1].name},
          {"busy", busy_},
          {"busy_with", busy_ ? json(busy_with_) : json()},
          {"paused", paused_},
          {"error", error_ ? json(*error_) : json()},
          {"steps", std::move(steps)},
          {"mode", naive_ ? "naive" : "expand_contract"},
          {"naive_steps", naive_steps_},
          {"version_schema", version_schema_},
          {"backfill", backfill_},
          {"database", database_->DisplayName()},
          {"locks_source", database_->LocksSource()}};
}

json LabSession::Snapshot() const {
  json out;
  {
    std::lock_guard lock(mu_);
    out = StateJson();
  }
  std::lock_guard lock(view_mu_);
  for (const char* key : {"columns", "rows", "rows_note", "locks", "stats", "latency", "log"}) {
    out[key] = view_.contains(key) ? view_[key] : json();
  }
  if (out["columns"].is_null()) out["columns"] = json::array();
  if (out["rows"].is_null()) out["rows"] = json::array();
  if (out["locks"].is_null()) out["locks"] = json::array();
  if (out["latency"].is_null()) out["latency"] = json::array();
  if (out["log"].is_null()) out["log"] = json::array();
  return out;
}

}  // namespace zs::lab::session_internal
