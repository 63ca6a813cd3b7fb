// The lab's actions on its worker thread: the engine's start held between
// its phases (OnPhase), the shift of the clients, contract, rollback and the
// seed's naive script.
#include <thread>

#include <fmt/format.h>

#include "lab/scenario.h"
#include "lab/session_internal.h"

namespace zs::lab::session_internal {

void LabSession::StepBegins(int index) {
  running_ = index;
  running_since_ = Clock::now();
  if (after_start_ == AfterStart::kNothing) busy_with_ = database_->Steps()[index].name;
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
  std::vector<StepResult> steps;
  return database_->RunNaive([&workload] { return workload->Now(); },
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

}  // namespace zs::lab::session_internal
