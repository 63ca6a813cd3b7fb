// Session: the interactive lab. One lab database with a loaded `users` table,
// a workload that runs until the session ends, and the steps taken one at a
// time on a worker thread. The engine's start runs expand, dual write and
// backfill in one call; its on_phase hook holds it between them until Next().
//
// Threads: the caller's (Next/Rollback/RunNaive/Reset/Snapshot), one worker
// running the current action, the workload's clients, and a monitor that
// refreshes the database's view (first rows, locks, figures) once a second so
// Snapshot() never waits on the database.
#include "lab/session.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "engine/engine.h"
#include "lab/metrics.h"
#include "lab/scenario.h"
#include "lab/users_table.h"
#include "lab/workload.h"
#include "migration/parser.h"
#include "servers/temp_cluster.h"

namespace zs::lab {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// The lab's database is kDatabasePrefix and a random suffix (UniqueDatabaseName).
constexpr const char* kDatabasePrefix = "zeroshift_lab";
constexpr int kFirstRows = 10;
constexpr size_t kLogLines = 60;
constexpr int kLatencySeconds = 120;
constexpr double kRecentWindowS = 10;  // the live p99 covers this many seconds

struct StepInfo {
  const char* name;
  const char* title;
  const char* explain;
};

constexpr std::array<StepInfo, 5> kSteps = {{
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

enum class AfterStart { kNothing, kRollback, kReset };

class LabSession : public Session {
 public:
  explicit LabSession(SessionOptions options) : options_(std::move(options)) {}
  ~LabSession() override;

  Status Init();
  Status Next() override;
  Status Rollback() override;
  Status RunNaive() override;
  Status Reset() override;
  json Snapshot() const override;

 private:
  // Claims the worker for `what` (REQUIRES: mu_ held, !busy_) and runs `work` on it.
  void Launch(std::unique_lock<std::mutex>& lock, const std::string& what,
              std::function<Status()> work);
  void Finish(const Status& status);  // the worker's last act

  Status LoadFresh();  // new database, rows, engine, workload (v1)
  Status DoStart();
  Status DoShift();
  Status DoContract();
  Status DoRollback();
  Status DoNaive();
  Status ShiftAndWait(ClientVersion version, const std::string& version_schema);
  void OnPhase(std::string_view phase);
  void StepBegins(int index);  // REQUIRES: mu_ held
  void StepEnds(int index);    // REQUIRES: mu_ held
  std::shared_ptr<Workload> CurrentWorkload() const;

  void MonitorLoop();
  void RefreshDatabaseView(std::optional<pg::Connection>& conn);
  void RefreshFigures();
  json StateJson() const;  // REQUIRES: mu_ held

  SessionOptions options_;
  std::unique_ptr<servers::TempCluster> cluster_;
  std::string admin_;
  std::string database_;  // the lab's own (users_table.h), set once by Init()
  std::string url_;
  migration::Migration migration_;
  std::unique_ptr<engine::Engine> engine_;  // used by the worker only
  std::string version_schema_;              // GUARDED_BY(mu_)

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<Workload> workload_;  // GUARDED_BY(mu_); replaced by reloads
  int step_ = 0;                        // 0 = v1, 1..5 = the last step done
  int running_ = -1;                    // the step in progress, -1 none
  std::array<std::optional<double>, 5> durations_ms_;
  Clock::time_point running_since_;
  bool busy_ = false;
  std::string busy_with_;
  std::optional<std::string> error_;
  bool paused_ = false;   // the engine's start waits in on_phase for Next()
  bool proceed_ = false;  // Next() released the pause
  AfterStart after_start_ = AfterStart::kNothing;
  bool naive_ = false;  // the naive script ran on this table
  json naive_steps_ = json::array();
  json backfill_;  // null until a backfill reports
  bool shutting_down_ = false;
  std::thread worker_;

  mutable std::mutex view_mu_;
  json view_ = json::object();  // columns, rows, rows_note, locks, stats, latency, log

  std::atomic<bool> stop_monitor_{false};
  std::thread monitor_;
};

LabSession::~LabSession() {
  {
    std::lock_guard lock(mu_);
    shutting_down_ = true;
    after_start_ = AfterStart::kNothing;
    proceed_ = true;
  }
  cv_.notify_all();
  stop_monitor_ = true;
  if (monitor_.joinable()) monitor_.join();
  if (auto workload = CurrentWorkload()) workload->Stop();
  // Dropping the database ends the engine's session, so a running backfill stops at once;
  // dropped again in case the worker was reloading it.
  (void)DropDatabase(admin_, database_);
  if (worker_.joinable()) worker_.join();
  if (auto workload = CurrentWorkload()) workload->Stop();
  (void)DropDatabase(admin_, database_);
}

Status LabSession::Init() {
  admin_ = options_.postgres_url;
  if (admin_.empty()) {
    ZS_ASSIGN_OR_RETURN(cluster_, servers::TempCluster::Start());
    admin_ = cluster_->Url();
  }
  database_ = UniqueDatabaseName(kDatabasePrefix);
  ZS_ASSIGN_OR_RETURN(url_, WithDatabase(admin_, database_));  // fixed for the session's life
  ZS_ASSIGN_OR_RETURN(migration_, migration::LoadMigrationFile(options_.migration_file));
  ZS_RETURN_IF_ERROR(LoadFresh());
  monitor_ = std::thread([this] { MonitorLoop(); });
  return Status::Ok();
}

std::shared_ptr<Workload> LabSession::CurrentWorkload() const {
  std::lock_guard lock(mu_);
  return workload_;
}

Status LabSession::LoadFresh() {
  std::shared_ptr<Workload> old;
  {
    std::lock_guard lock(mu_);
    old = workload_;
  }
  if (old) old->Stop();
  engine_.reset();
  ZS_RETURN_IF_ERROR(RecreateDatabase(admin_, database_).status());
  {
    ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(url_));
    ZS_RETURN_IF_ERROR(LoadUsers(conn, options_.rows));
  }
  engine::Options engine_options;
  engine_options.on_phase = [this](std::string_view phase) { OnPhase(phase); };
  engine_options.backfill.on_progress = [this](const backfill::Progress& p) {
    std::lock_guard lock(mu_);
    backfill_ = {{"rows_done", p.rows_done},
                 {"rows_total", p.rows_estimate < 0 ? json() : json(p.rows_estimate)},
                 {"rows_per_s", p.elapsed_seconds > 0 ? p.rows_done / p.elapsed_seconds : 0.0},
                 {"table", p.table},
                 {"finished", p.finished}};
  };
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, engine::Engine::Connect(url_, engine_options));
  ZS_RETURN_IF_ERROR(engine.Init());
  engine_ = std::make_unique<engine::Engine>(std::move(engine));
  auto workload = std::make_shared<Workload>(WorkloadOptions{.conninfo = url_,
                                                             .clients = options_.clients,
                                                             .rate = options_.rate,
                                                             .id_range = options_.rows});
  workload->Start();
  std::lock_guard lock(mu_);
  workload_ = std::move(workload);
  step_ = 0;
  running_ = -1;
  durations_ms_ = {};
  naive_ = false;
  naive_steps_ = json::array();
  backfill_ = json();
  version_schema_.clear();
  return Status::Ok();
}

void LabSession::Launch(std::unique_lock<std::mutex>& lock, const std::string& what,
                        std::function<Status()> work) {
  busy_ = true;
  busy_with_ = what;
  error_.reset();
  lock.unlock();
  if (worker_.joinable()) worker_.join();  // the previous action has finished: busy_ was false
  worker_ = std::thread([this, work = std::move(work)] { Finish(work()); });
}

void LabSession::Finish(const Status& status) {
  std::lock_guard lock(mu_);
  if (!status.ok()) {
    error_ = status.ToString();
    if (running_ >= 0) running_ = -1;
  }
  busy_ = false;
  busy_with_.clear();
}

Status LabSession::Next() {
  std::unique_lock lock(mu_);
  if (busy_)
    return Conflict(fmt::format("the lab is busy with {}; wait for it to finish", busy_with_));
  if (naive_) {
    return Conflict("the naive script has run on this table; reset the lab to load a fresh one");
  }
  if (paused_) {
    proceed_ = true;
    busy_ = true;
    error_.reset();
    cv_.notify_all();
    return Status::Ok();
  }
  switch (step_) {
    case 0:
      Launch(lock, "expand", [this] { return DoStart(); });
      return Status::Ok();
    case 3:
      Launch(lock, "shift_reads", [this] { return DoShift(); });
      return Status::Ok();
    case 4:
      Launch(lock, "contract", [this] { return DoContract(); });
      return Status::Ok();
    case 5:
      return Conflict("all five steps are done; reset the lab to start over");
    default:
      return Conflict(fmt::format("step {} did not finish ({}); roll back or reset the lab",
                                  kSteps[step_ - 1].name, error_.value_or("stopped")));
  }
}

Status LabSession::Rollback() {
  std::unique_lock lock(mu_);
  if (paused_) {  // the engine's start is between two phases: let it finish, then roll back
    after_start_ = AfterStart::kRollback;
    proceed_ = true;
    busy_ = true;
    busy_with_ = "rollback";
    cv_.notify_all();
    return Status::Ok();
  }
  if (busy_)
    return Conflict(fmt::format("the lab is busy with {}; wait for it to finish", busy_with_));
  if (naive_) return Conflict("the naive script cannot be rolled back; reset the lab instead");
  if (step_ == 0) return Conflict("nothing to roll back: the table is at v1");
  if (step_ == 5)
    return Conflict("the migration is complete (contract dropped name); reset instead");
  Launch(lock, "rollback", [this] { return DoRollback(); });
  return Status::Ok();
}

Status LabSession::RunNaive() {
  std::unique_lock lock(mu_);
  if (busy_ || paused_) {
    return Conflict("a migration step is in progress; finish it or reset the lab first");
  }
  Launch(lock, "naive", [this] { return DoNaive(); });
  return Status::Ok();
}

Status LabSession::Reset() {
  std::unique_lock lock(mu_);
  if (paused_) {  // let the engine's start end first: the reload drops its database
    after_start_ = AfterStart::kReset;
    proceed_ = true;
    busy_ = true;
    busy_with_ = "reset";
    cv_.notify_all();
    lock.unlock();
    (void)DropDatabase(admin_, database_);  // ends the engine's session: start fails at once
    return Status::Ok();
  }
  if (busy_)
    return Conflict(fmt::format("the lab is busy with {}; wait for it to finish", busy_with_));
  Launch(lock, "reset", [this] { return LoadFresh(); });
  return Status::Ok();
}

void LabSession::StepBegins(int index) {
  running_ = index;
  running_since_ = Clock::now();
  if (after_start_ == AfterStart::kNothing) busy_with_ = kSteps[index].name;
}

void LabSession::StepEnds(int index) {
  durations_ms_[index] =
      std::chrono::duration<double, std::milli>(Clock::now() - running_since_).count();
  step_ = index + 1;
  running_ = -1;
}

void LabSession::OnPhase(std::string_view phase) {
  std::unique_lock lock(mu_);
  if (phase == "expand") return StepBegins(0);
  if (phase == "contract") return StepBegins(4);
  if (phase == "rollback") {
    busy_with_ = "rollback";
    return;
  }
  int done = phase == "dual_write" ? 0 : 1;  // "dual_write" ends expand, "backfill" ends it
  StepEnds(done);
  if (after_start_ == AfterStart::kNothing && !shutting_down_) {
    paused_ = true;
    proceed_ = false;
    busy_ = false;
    busy_with_.clear();
    cv_.wait(lock, [this] { return proceed_; });
    paused_ = false;
    busy_ = true;
  }
  StepBegins(done + 1);
}

Status LabSession::DoStart() {
  Status status = engine_->Start(migration_);
  AfterStart after;
  {
    std::lock_guard lock(mu_);
    if (status.ok()) StepEnds(2);
    after = std::exchange(after_start_, AfterStart::kNothing);
    if (shutting_down_) return status;
  }
  if (after == AfterStart::kReset) return LoadFresh();
  if (after == AfterStart::kRollback) return DoRollback();  // also undoes a start that failed
  ZS_RETURN_IF_ERROR(status);
  ZS_ASSIGN_OR_RETURN(std::string version, engine_->LatestVersionSchema());
  std::lock_guard lock(mu_);
  version_schema_ = version;
  return Status::Ok();
}

Status LabSession::ShiftAndWait(ClientVersion version, const std::string& version_schema) {
  std::shared_ptr<Workload> workload = CurrentWorkload();
  workload->ShiftTo(version, version_schema);
  auto deadline = Clock::now() + std::chrono::duration<double>(kShiftDeadlineSeconds);
  while (!workload->AllShifted()) {
    if (Clock::now() > deadline) {
      return Internal(fmt::format("the lab's clients did not all switch to {} within {} s",
                                  VersionName(version), kShiftDeadlineSeconds));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Status::Ok();
}

Status LabSession::DoShift() {
  {
    std::lock_guard lock(mu_);
    StepBegins(3);
  }
  std::string version;
  {
    std::lock_guard lock(mu_);
    version = version_schema_;
  }
  ZS_RETURN_IF_ERROR(ShiftAndWait(ClientVersion::kV2, version));
  std::lock_guard lock(mu_);
  StepEnds(3);
  return Status::Ok();
}

Status LabSession::DoContract() {
  ZS_RETURN_IF_ERROR(engine_->Complete());
  std::lock_guard lock(mu_);
  StepEnds(4);
  return Status::Ok();
}

Status LabSession::DoRollback() {
  // v2 clients go first: the rollback drops the version schema they use.
  ZS_RETURN_IF_ERROR(ShiftAndWait(ClientVersion::kV1, ""));
  ZS_RETURN_IF_ERROR(engine_->Rollback());
  std::lock_guard lock(mu_);
  step_ = 0;
  running_ = -1;
  durations_ms_ = {};
  backfill_ = json();
  return Status::Ok();
}

Status LabSession::DoNaive() {
  ZS_RETURN_IF_ERROR(LoadFresh());
  {
    std::lock_guard lock(mu_);
    naive_ = true;
    busy_with_ = "naive";
  }
  std::shared_ptr<Workload> workload = CurrentWorkload();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // normal traffic first, for contrast
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(url_));
  std::vector<StepResult> steps;
  return RunNaiveScript(
      conn, [&workload] { return workload->Now(); },
      [this](const StepResult& step, bool finished) {
        std::lock_guard lock(mu_);
        if (!finished) {
          naive_steps_.push_back({{"name", step.name},
                                  {"sql", step.sql},
                                  {"state", "running"},
                                  {"duration_ms", nullptr}});
          return;
        }
        naive_steps_.back()["state"] = "done";
        naive_steps_.back()["duration_ms"] = step.duration_ms;
      },
      steps);
}

void LabSession::MonitorLoop() {
  std::optional<pg::Connection> conn;
  while (!stop_monitor_) {
    auto started = Clock::now();
    RefreshDatabaseView(conn);
    RefreshFigures();
    auto next = started + std::chrono::milliseconds(1000);
    while (!stop_monitor_ && Clock::now() < next) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

void LabSession::RefreshDatabaseView(std::optional<pg::Connection>& conn) {
  if (!conn || PQstatus(conn->raw()) != CONNECTION_OK) {
    conn.reset();
    // Short timeouts: while the naive script holds its lock the rows cannot be read.
    auto opened = pg::Connection::Open(url_, {.application_name = "zeroshift-lab-monitor",
                                              .lock_timeout = std::chrono::milliseconds(200),
                                              .statement_timeout = std::chrono::milliseconds(800)});
    if (!opened.ok()) return;
    conn.emplace(std::move(opened).value());
  }
  Result<json> rows = FirstRows(*conn, kFirstRows);
  Result<pg::Rows> locks = conn->Exec(
      "SELECT l.pid, l.mode, l.granted, coalesce(a.application_name, ''), "
      "       coalesce(a.query, '') "
      "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
      "WHERE l.locktype = 'relation' AND l.relation = to_regclass('public.users') "
      "  AND l.pid <> pg_backend_pid() ORDER BY l.granted, l.pid");
  std::lock_guard lock(view_mu_);
  if (rows.ok()) {
    view_["columns"] = (*rows)["columns"];
    view_["rows"] = (*rows)["rows"];
    view_["rows_note"] = nullptr;
  } else {
    view_["rows_note"] = "the rows cannot be read right now: " + rows.status().message();
  }
  if (locks.ok()) {
    json list = json::array();
    for (int i = 0; i < locks->size(); ++i) {
      list.push_back({{"pid", locks->GetInt(i, 0)},
                      {"mode", locks->Get(i, 1)},
                      {"granted", locks->GetBool(i, 2)},
                      {"application", locks->Get(i, 3)},
                      {"query", locks->Get(i, 4)}});
    }
    view_["locks"] = std::move(list);
  }
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
  json log = json::array();
  for (const LogLine& line : workload->RecentLog(kLogLines)) {
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
  for (int i = 0; i < static_cast<int>(kSteps.size()); ++i) {
    std::string state = i == running_ ? "running" : i < step_ ? "done" : "pending";
    json duration = durations_ms_[i] ? json(*durations_ms_[i]) : json();
    if (i == running_) {
      duration = std::chrono::duration<double, std::milli>(Clock::now() - running_since_).count();
    }
    steps.push_back({{"name", kSteps[i].name},
                     {"title", kSteps[i].title},
                     {"explain", kSteps[i].explain},
                     {"state", state},
                     {"duration_ms", duration}});
  }
  return {{"step", step_ == 0 ? "v1" : kSteps[step_ - 1].name},
          {"busy", busy_},
          {"busy_with", busy_ ? json(busy_with_) : json()},
          {"paused", paused_},
          {"error", error_ ? json(*error_) : json()},
          {"steps", std::move(steps)},
          {"mode", naive_ ? "naive" : "expand_contract"},
          {"naive_steps", naive_steps_},
          {"version_schema", version_schema_},
          {"backfill", backfill_}};
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

}  // namespace

Result<std::unique_ptr<Session>> Session::Create(const SessionOptions& options) {
  auto session = std::make_unique<LabSession>(options);
  ZS_RETURN_IF_ERROR(session->Init());
  return std::unique_ptr<Session>(std::move(session));
}

}  // namespace zs::lab
