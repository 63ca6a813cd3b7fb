// Engine::Complete and Engine::Rollback: the active migration's contract or
// undo, each action recorded so that a re-run after a crash resumes it.
#include "engine/engine.h"

#include <fmt/format.h>

#include "engine/engine_steps.h"
#include "engine/rehearsal.h"

namespace zs::engine {

Status Engine::Complete() {
  command_ = "complete";
  ZS_RETURN_IF_ERROR(Lock());
  ZS_ASSIGN_OR_RETURN(state::MigrationRecord record, RequireActive());
  if (record.step != state::Step::kActive && record.step != state::Step::kCompleting) {
    return Conflict(fmt::format(
        "migration \"{}\" is at step {}, not active; finish its start (re-run `zeroshift start`) "
        "or roll it back",
        record.name, state::StepName(record.step)));
  }
  ZS_ASSIGN_OR_RETURN(auto loaded, LoadActive(record));
  if (record.step == state::Step::kActive) {
    ZS_RETURN_IF_ERROR(CheckAddedSinceStart(*session_, options_.schema, loaded->migration,
                                            loaded->snapshots,
                                            loaded->input.previous_version_schema));
  }
  EnterPhase("contract");
  if (record.step == state::Step::kCompleting) {
    Log(fmt::format("resuming complete of \"{}\" after {} committed steps", record.name,
                    record.actions_done));
  } else {
    ZS_RETURN_IF_ERROR(state_->SetStep(record.schema, record.name, state::Step::kCompleting));
    record.actions_done = 0;
    Log(fmt::format("completing \"{}\"", record.name));
  }
  auto actions = CompleteActions(loaded->input, loaded->operations, loaded->snapshots);
  std::string done = state_->MarkDoneSql(record.schema, record.name, loaded->snapshots.back());
  // What the completed migration leaves is the user's from now on
  // (both databases record what zeroshift created: ownership.h,
  // ownership_mariadb_records.h).
  if (std::string forget = steps_->ForgetObjectsSql(record.schema, record.name, /*completed=*/true);
      !forget.empty()) {
    done += "\n" + forget;
  }
  ZS_RETURN_IF_ERROR(RunRecordedActions(record, actions, done));
  // After the row says done: a failure here loses only drift's reference
  // (it then falls back to resulting_schema), never the completion.
  ZS_RETURN_IF_ERROR(RecordLiveSchema(record.name));
  Log(fmt::format("\"{}\" is complete", record.name));
  return Status::Ok();
}

Status Engine::Rollback() {
  command_ = "rollback";
  ZS_RETURN_IF_ERROR(Lock());
  ZS_ASSIGN_OR_RETURN(state::MigrationRecord record, RequireActive());
  if (record.step == state::Step::kCompleting) {
    return Conflict(fmt::format(
        "migration \"{}\" is part-way through complete; re-run `zeroshift complete` to finish it",
        record.name));
  }
  ZS_ASSIGN_OR_RETURN(auto loaded, LoadActive(record));
  EnterPhase("rollback");
  if (record.step == state::Step::kRollingBack) {
    Log(fmt::format("resuming rollback of \"{}\" after {} committed steps", record.name,
                    record.actions_done));
  } else {
    ZS_RETURN_IF_ERROR(state_->SetStep(record.schema, record.name, state::Step::kRollingBack));
    record.actions_done = 0;
    Log(fmt::format("rolling back \"{}\"", record.name));
  }
  auto actions = RollbackActions(loaded->input, loaded->operations, loaded->snapshots);
  std::string gone = state_->DeleteSql(record.schema, record.name);
  if (std::string forget = steps_->ForgetObjectsSql(record.schema, record.name, false);
      !forget.empty()) {
    gone += "\n" + forget;
  }
  ZS_RETURN_IF_ERROR(RunRecordedActions(record, actions, gone));
  Log(fmt::format("\"{}\" is rolled back", record.name));
  return Status::Ok();
}

}  // namespace zs::engine
