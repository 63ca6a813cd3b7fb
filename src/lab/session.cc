// Session: the interactive lab. One lab database with a loaded `users` table,
// a workload that runs until the session ends, and the steps taken one at a
// time on a worker thread (session_steps.cc). The engine's start runs expand,
// dual write and backfill in one call; its on_phase hook holds it between them
// until Next(). Threads and shared state: session_internal.h.
#include "lab/session.h"

#include <fmt/format.h>

#include "lab/scenario_frame.h"
#include "lab/session_internal.h"
#include "migration/parser.h"

namespace zs::lab {

namespace session_internal {

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
  if (database_) (void)database_->Drop();
  if (worker_.joinable()) worker_.join();
  if (auto workload = CurrentWorkload()) workload->Stop();
  if (database_) (void)database_->Drop();
}

Status LabSession::Init() {
  database_ = LabDatabaseFor(options_);
  ZS_RETURN_IF_ERROR(database_->Open());
  url_ = database_->url();  // fixed for the session's life
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
  ZS_RETURN_IF_ERROR(database_->Reload(options_.rows));
  engine::Options engine_options;
  // The backfill a user gets from `zeroshift start` (scenario_frame.h).
  engine_options.backfill = LabBackfillOptions(0);
  engine_options.on_phase = [this](std::string_view phase) { OnPhase(phase); };
  // The engine's own lines (its steps, lock retries, the DDL runner's notices
  // such as a cancelled autovacuum) go to the event log beside the requests.
  engine_options.log = [this](const std::string& line) { EngineSays(line); };
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
                                                             .id_range = options_.rows,
                                                             .backend = database_->kind()});
  workload->Start();
  {
    std::lock_guard view_lock(view_mu_);
    engine_log_.clear();  // its times were on the old workload's clock
  }
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
                                  database_->Steps()[step_ - 1].name, error_.value_or("stopped")));
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
    (void)database_->Drop();  // ends the engine's session: start fails at once
    return Status::Ok();
  }
  if (busy_)
    return Conflict(fmt::format("the lab is busy with {}; wait for it to finish", busy_with_));
  Launch(lock, "reset", [this] { return LoadFresh(); });
  return Status::Ok();
}

}  // namespace session_internal

Result<std::unique_ptr<Session>> Session::Create(const SessionOptions& options) {
  auto session = std::make_unique<session_internal::LabSession>(options);
  ZS_RETURN_IF_ERROR(session->Init());
  return std::unique_ptr<Session>(std::move(session));
}

}  // namespace zs::lab
