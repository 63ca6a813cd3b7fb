#include "fleet/target_ops.h"

#include <fmt/format.h>

#include "pg/session.h"

namespace zs::fleet {

std::string OwnStateName(const OwnState& own) {
  if (!own.initialized) return "not initialized";
  if (own.completed) return "completed";
  if (own.step) return std::string(state::StepName(*own.step));
  if (!own.other_active.empty()) return "other active: " + own.other_active;
  return "not started";
}

Status ForTarget(const Target& target, const Status& status) {
  if (status.ok()) return status;
  return Status(status.code(), pg::RedactSecrets(status.message(), target.url), status.sqlstate())
      .WithContext("target " + target.name);
}

Result<engine::Engine> EngineTargetOps::Connect(const Target& target) const {
  Result<engine::Engine> engine = engine::Engine::Connect(target.url, options_for_(target));
  if (!engine.ok()) return ForTarget(target, engine.status());
  return engine;
}

Result<OwnState> EngineTargetOps::Read(const Target& target) {
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, Connect(target));
  OwnState own;
  Result<engine::StatusReport> report = engine.ReadStatus();
  if (!report.ok()) return ForTarget(target, report.status());
  own.initialized = report->initialized;
  if (!own.initialized) return own;
  if (report->active && report->active->name == migration_.name) {
    own.backfill = report->active->backfill;
  }
  Result<std::vector<state::MigrationRecord>> history = engine.History();
  if (!history.ok()) return ForTarget(target, history.status());
  for (const state::MigrationRecord& record : *history) {
    if (record.name == migration_.name) {
      own.completed = record.done;
      if (!record.done) own.step = record.step;
    } else if (!record.done) {
      own.other_active = record.name;
    }
  }
  return own;
}

Status EngineTargetOps::Start(const Target& target) {
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, Connect(target));
  ZS_RETURN_IF_ERROR(ForTarget(target, engine.Init()));
  return ForTarget(target, engine.Start(migration_));
}

Status EngineTargetOps::Complete(const Target& target) {
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, Connect(target));
  return ForTarget(target, engine.Complete());
}

Status EngineTargetOps::Rollback(const Target& target) {
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, Connect(target));
  return ForTarget(target, engine.Rollback());
}

}  // namespace zs::fleet
