// The real engine, in this process, with the backfill options a user of the
// CLI gets (built by the CLI's own flag code, so "default options" means what
// `zeroshift start` does without backfill flags) and clocks on its phases:
// Engine::Start of the split-name migration timed as a whole and from the
// moment its backfill phase begins.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_util.h"
#include "engine/engine.h"

namespace zs::bench {

struct StartRun {
  double start_seconds = 0;     // the whole Engine::Start call
  double backfill_seconds = 0;  // from the "backfill" phase until Start returned
  long long progress_reports = 0;
  long long rows_reported = 0;  // rows_done of the last progress report
  long long batches = 0;        // batches the backfill committed, as it last reported
};

// A line the engine logged, or a phase it entered ("phase:backfill"), and when.
struct EngineEvent {
  Clock::time_point at;
  std::string line;
};

// The backfill::Options the CLI builds from `flags` (backfill flags of
// `zeroshift start`, e.g. "" for its defaults or "--backfill-batch-size 500
// --backfill-batch-delay 100"), without progress output.
Result<backfill::Options> CliBackfillOptions(const std::string& flags);
// What those options are, for the results.
nlohmann::json ToJson(const backfill::Options& options);

class TimedEngine {
 public:
  // Connects with the engine's default options, `backfill`, and observers;
  // `on_phase` (may be empty) is called after the phase's time is recorded.
  static Result<std::unique_ptr<TimedEngine>> Connect(
      const std::string& url, backfill::Options backfill,
      std::function<void(std::string_view)> on_phase = nullptr);

  Status Init() { return engine_->Init(); }
  Result<StartRun> Start(const migration::Migration& migration);
  Status Complete() { return engine_->Complete(); }
  Result<engine::Plan> PlanMigration(const migration::Migration& m) {
    return engine_->PlanMigration(m);
  }
  // The engine's own backend, whose locks pg_locks shows.
  int BackendPid() { return engine_->connection().BackendPid(); }
  // Every log line and phase so far, in order.
  const std::vector<EngineEvent>& events() const { return events_; }

 private:
  TimedEngine() = default;

  std::unique_ptr<engine::Engine> engine_;
  std::function<void(std::string_view)> on_phase_;
  std::vector<EngineEvent> events_;
  Clock::time_point backfill_began_{};
  Clock::time_point last_said_{};
  long long progress_reports_ = 0;
  long long rows_reported_ = 0;
  long long batches_ = 0;
};

}  // namespace zs::bench
