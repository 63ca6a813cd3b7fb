#include "lab/scenario_frame.h"

#include <thread>

#include <fmt/format.h>

#include "backfill/defaults.h"
#include "engine/engine.h"
#include "lab/metrics.h"

namespace zs::lab {

namespace {

void FrameProgress(const ScenarioFrame& frame, const std::string& line) {
  if (frame.progress) frame.progress(line);
}

void FrameSleepSeconds(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

}  // namespace

backfill::Options LabBackfillOptions(int batch_size_override) {
  backfill::Options options = backfill::DefaultBackfillOptions();
  if (batch_size_override > 0) {
    options.batch_size = batch_size_override;
    options.adaptive = false;
    options.auto_workers = 0;
  }
  return options;
}

nlohmann::json LabBackfillSetup(int batch_size_override) {
  nlohmann::json setup = backfill::BackfillOptionsJson(LabBackfillOptions(batch_size_override));
  setup["source"] = batch_size_override > 0
                        ? fmt::format(
                              "--backfill-batch-size {}: the fixed schedule (zeroshift start "
                              "--backfill-batch-size {}), not the default backfill",
                              batch_size_override, batch_size_override)
                        : std::string(
                              "zeroshift start's defaults (no backfill flag): "
                              "backfill::DefaultBackfillOptions");
  return setup;
}

nlohmann::json ComparisonSetup(const ScenarioShape& shape, const std::string& lock_wait_method) {
  return {
      {"rows", shape.rows},
      {"clients", shape.clients},
      {"rate", shape.rate},
      {"rate_note", shape.rate > 0 ? "total requests per second over all clients"
                                   : "unthrottled: each client sends as fast as it is answered"},
      {"mix", "80% reads by id, 15% updates of one row, 5% inserts"},
      {"client_timeout_ms", shape.client_timeout.count()},
      {"machine_cores", std::thread::hardware_concurrency()},
      {"backfill", LabBackfillSetup(shape.backfill_batch_size)},
      {"before_s", shape.before_s},
      {"settle_s", shape.settle_s},
      {"after_s", shape.after_s},
      {"lock_wait_method", lock_wait_method},
      {"uptime_definition",
       "share of one-second windows in which every request that ended succeeded within the "
       "client timeout; a window in which nothing was answered while requests waited is down"},
      {"stall_definition",
       "longest time during which requests waited and none was answered (timeouts are not "
       "answers)"},
  };
}

Result<ScenarioResult> RunScenarioFrame(
    const ScenarioFrame& frame,
    const std::function<Status(Workload&, std::vector<StepResult>&)>& change) {
  ScenarioResult result;
  result.name = frame.name;
  FrameProgress(frame, fmt::format("{}: loading {} rows into a fresh users table", frame.label,
                                   frame.shape.rows));
  auto load_start = std::chrono::steady_clock::now();
  ZS_RETURN_IF_ERROR(frame.load_users());
  result.load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();

  Workload workload(frame.workload);
  ZS_ASSIGN_OR_RETURN(std::function<Result<LockProbe>()> probe, frame.open_lock_probe(workload));
  FrameProgress(frame, fmt::format("{}: {} v1 clients running, {} s before the change", frame.label,
                                   frame.shape.clients, frame.shape.before_s));
  workload.Start();
  double end_s = 0;
  std::vector<LockSample> samples;
  {
    LockSampler sampler(std::move(probe), workload, frame.sample_interval);
    FrameSleepSeconds(frame.shape.before_s);
    Status status = change(workload, result.steps);
    if (!status.ok()) return status.WithContext(frame.context);
    FrameProgress(frame, fmt::format("{}: change done, workload runs {} s more", frame.label,
                                     frame.shape.after_s));
    FrameSleepSeconds(frame.shape.after_s);
    workload.Stop();
    end_s = workload.Now();
    samples = sampler.Samples();
  }
  std::vector<RequestRecord> records = workload.Records();
  result.summary = Summarize(records, 0, end_s);
  result.errors_by_message = workload.ErrorCounts();
  for (const auto& [error_class, count] : workload.ErrorClassCounts()) {
    result.errors_by_class[std::string(backend::ErrorClassName(error_class))] += count;
  }
  MeasureSteps(result.steps, samples, records);
  return result;
}

Status RunExpandContractSteps(const ExpandContractSteps& run, Workload& workload,
                              std::vector<StepResult>& steps) {
  auto progress = [&](const std::string& line) {
    if (run.progress) run.progress(run.label + ": " + line);
  };
  PhaseClock phases(workload);
  engine::Options engine_options;
  engine_options.backfill = LabBackfillOptions(run.backfill_batch_size);
  engine_options.on_phase = [&phases](std::string_view phase) { phases.Enter(phase); };
  ZS_ASSIGN_OR_RETURN(engine::Engine engine,
                      engine::Engine::Connect(run.url, std::move(engine_options)));
  ZS_RETURN_IF_ERROR(engine.Init());

  progress("zeroshift start (expand, dual write, backfill)");
  ZS_RETURN_IF_ERROR(engine.Start(*run.migration));
  phases.CloseLast();
  for (auto& step : phases.Take()) steps.push_back(step);

  ZS_ASSIGN_OR_RETURN(std::string version, engine.LatestVersionSchema());
  progress("shifting the clients to v2 " + run.describe_shift(version));
  ZS_ASSIGN_OR_RETURN(StepResult shift, ShiftClients(workload, version));
  steps.push_back(shift);
  FrameSleepSeconds(run.settle_s);

  progress("zeroshift complete (contract)");
  ZS_RETURN_IF_ERROR(engine.Complete());
  phases.CloseLast();
  for (auto& step : phases.Take()) steps.push_back(step);
  return Status::Ok();
}

}  // namespace zs::lab
