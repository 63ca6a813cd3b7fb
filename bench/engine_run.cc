#include "bench/engine_run.h"

#include <fmt/format.h>

#include "cli/app.h"

namespace zs::bench {

Result<backfill::Options> CliBackfillOptions(const std::string& flags) {
  CLI::App app{"zeroshift start (backfill flags only)"};
  cli::BackfillFlags parsed;
  cli::AddBackfillFlags(app, parsed);
  try {
    app.parse(flags, /*program_name_included=*/false);
  } catch (const CLI::ParseError& e) {
    return InvalidInput("backfill flags \"" + flags + "\": " + e.what());
  }
  cli::GlobalOptions global;
  global.quiet = true;
  return cli::MakeBackfillOptions(parsed, global);
}

nlohmann::json ToJson(const backfill::Options& o) {
  return {{"adaptive", o.adaptive},
          {"batch_size", o.batch_size},
          {"batch_delay_ms", o.batch_delay.count()},
          {"target_batch_ms", o.target_batch.count()},
          {"min_batch_rows", o.min_batch_rows},
          {"max_batch_rows", o.max_batch_rows},
          {"workers", o.workers},
          {"auto_workers", o.auto_workers},
          {"nice_ratio", o.nice_ratio}};
}

Result<std::unique_ptr<TimedEngine>> TimedEngine::Connect(
    const std::string& url, backfill::Options backfill,
    std::function<void(std::string_view)> on_phase) {
  // The engine's callbacks point at this object: it lives on the heap.
  std::unique_ptr<TimedEngine> timed(new TimedEngine());
  TimedEngine* self = timed.get();
  self->on_phase_ = std::move(on_phase);
  engine::Options options;
  options.backfill = std::move(backfill);
  options.log = [self](const std::string& line) { self->events_.push_back({Clock::now(), line}); };
  options.on_phase = [self](std::string_view phase) {
    auto now = Clock::now();
    self->events_.push_back({now, "phase:" + std::string(phase)});
    if (phase == "backfill") self->backfill_began_ = now;
    if (self->on_phase_) self->on_phase_(phase);
  };
  // Observes only: the knobs stay as given.
  options.backfill.on_progress = [self](const backfill::Progress& p) {
    ++self->progress_reports_;
    self->rows_reported_ = p.rows_done;
    self->batches_ = p.batches;
    if (SecondsSince(self->last_said_) >= 15 || p.finished) {
      self->last_said_ = Clock::now();
      Say(fmt::format("  backfill {}: {} rows{}", p.table, Thousands(p.rows_done),
                      p.finished ? ", finished" : ""));
    }
  };
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, engine::Engine::Connect(url, std::move(options)));
  self->engine_ = std::make_unique<engine::Engine>(std::move(engine));
  return timed;
}

Result<StartRun> TimedEngine::Start(const migration::Migration& migration) {
  backfill_began_ = {};
  last_said_ = Clock::now();
  progress_reports_ = 0;
  rows_reported_ = 0;
  batches_ = 0;
  auto start = Clock::now();
  ZS_RETURN_IF_ERROR(engine_->Start(migration));
  auto end = Clock::now();
  if (backfill_began_ == Clock::time_point{}) {
    return Internal("the engine never entered its backfill phase, so it cannot be timed");
  }
  return StartRun{.start_seconds = Seconds(end - start),
                  .backfill_seconds = Seconds(end - backfill_began_),
                  .progress_reports = progress_reports_,
                  .rows_reported = rows_reported_,
                  .batches = batches_};
}

}  // namespace zs::bench
