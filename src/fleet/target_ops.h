// What the fleet runner does to one target, and what a target's own
// zeroshift state says about the fleet's migration. EngineTargetOps does it
// with an engine::Engine per call, connected to the target's URL.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/engine.h"
#include "engine/status_report.h"
#include "fleet/targets.h"
#include "migration/migration.h"
#include "state/step.h"

namespace zs::fleet {

// The migration as the target's own state table records it.
struct OwnState {
  bool initialized = false;
  bool completed = false;           // its row is done
  std::optional<state::Step> step;  // set while it is the active migration
  std::string other_active;         // another migration active there ("" when none)
  // While it is active: how far its backfill got there, per table.
  std::vector<engine::BackfillStatus> backfill;
};

// "not initialized", "not started", "completed", "other active: NAME", else
// the active step ("starting", "backfilling", "active", ...).
std::string OwnStateName(const OwnState& own);

class TargetOps {
 public:
  virtual ~TargetOps() = default;
  virtual Result<OwnState> Read(const Target& target) = 0;
  // Initialises the state schema when needed, then starts (or resumes) the migration.
  virtual Status Start(const Target& target) = 0;
  virtual Status Complete(const Target& target) = 0;
  // Rolls back the active migration: the caller checked it is the fleet's.
  virtual Status Rollback(const Target& target) = 0;
};

// The engine's options for one target (its log lines prefixed with its name).
using EngineOptionsFor = std::function<engine::Options(const Target&)>;

class EngineTargetOps : public TargetOps {
 public:
  EngineTargetOps(migration::Migration migration, EngineOptionsFor options_for)
      : migration_(std::move(migration)), options_for_(std::move(options_for)) {}

  Result<OwnState> Read(const Target& target) override;
  Status Start(const Target& target) override;
  Status Complete(const Target& target) override;
  Status Rollback(const Target& target) override;

 private:
  Result<engine::Engine> Connect(const Target& target) const;

  migration::Migration migration_;
  EngineOptionsFor options_for_;
};

// `status` with every piece of `target`'s password masked, prefixed by its name.
Status ForTarget(const Target& target, const Status& status);

}  // namespace zs::fleet
