// Figure 3: what an OLTP workload on users sees while zeroshift backfills it.
#include <cstdlib>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "bench/engine_run.h"
#include "bench/figures.h"
#include "bench/oltp.h"

namespace zs::bench {

namespace {

// Workload phases: transactions are counted in the phase current when they were due.
enum Phase { kIdle = 0, kDdl = 1, kBackfill = 2, kAfter = 3 };
constexpr const char* kPhaseNames[] = {"idle", "expand_and_dual_write", "backfill", "after"};

nlohmann::json PhaseJson(PhaseStats& stats) {
  nlohmann::json out = ToJson(Summarize(stats.latencies_ms));
  out["reads"] = stats.reads;
  out["writes"] = stats.writes;
  out["errors"] = stats.errors;
  out["errors_by_message"] = stats.errors_by_message;
  return out;
}

Status MeasureUnderLoad(const Config& config, Databases& databases, FigureResult& out) {
  const long long rows = config.quick ? 100'000 : 1'000'000;
  const auto idle = std::chrono::seconds(config.quick ? 5 : 20);
  ZS_ASSIGN_OR_RETURN(migration::Migration migration, LoadSplitName(config));
  ZS_ASSIGN_OR_RETURN(std::string url, databases.Fresh("bench_load"));
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(url));
  Say(fmt::format("3. loading {} rows", Thousands(rows)));
  ZS_ASSIGN_OR_RETURN(double load_seconds, LoadUsers(conn, rows));
  ZS_RETURN_IF_ERROR(Checkpoint(conn));

  OltpOptions options{
      .url = url, .clients = 4, .rate_per_client = 100, .write_fraction = 0.5, .max_id = rows};
  out.data["rows"] = rows;
  out.data["load_seconds"] = load_seconds;
  out.data["workload"] = {{"clients", options.clients},
                          {"rate_per_client_tps", options.rate_per_client},
                          {"write_fraction", options.write_fraction},
                          {"read_sql", options.read_sql},
                          {"write_sql", options.write_sql},
                          {"latency", "from the moment each transaction was due (open loop)"}};
  OltpWorkload workload(options);
  // What the clients wait on during the backfill (bench/README.md §3): only when
  // ZS_BENCH_WAIT_SAMPLES=1, because its query every 10 ms, on the same 2 cores and
  // during the backfill only, weighs on the p99 this figure measures.
  const char* sample_waits = std::getenv("ZS_BENCH_WAIT_SAMPLES");
  const bool sampling = sample_waits != nullptr && std::string_view(sample_waits) == "1";
  WaitSampler waits(url);
  if (sampling) ZS_RETURN_IF_ERROR(waits.Start());
  // Default options; ZS_BENCH_LOAD_FLAGS (backfill flags of `zeroshift start`)
  // only for A/B experiments, written into the results as backfill_flags.
  const char* flags = std::getenv("ZS_BENCH_LOAD_FLAGS");
  out.data["backfill_flags"] = flags ? flags : "";
  ZS_ASSIGN_OR_RETURN(backfill::Options defaults, CliBackfillOptions(flags ? flags : ""));
  // ZS_BENCH_LOAD_PAUSE_MS: a pause after every batch, adaptive sizing kept
  // (the yield experiment of bench/README.md §3), also only for A/B runs.
  if (const char* pause = std::getenv("ZS_BENCH_LOAD_PAUSE_MS")) {
    defaults.batch_delay = std::chrono::milliseconds(std::atoi(pause));
    out.data["pause_after_batch_ms"] = defaults.batch_delay.count();
  }
  out.data["backfill_options"] = ToJson(defaults);
  auto mark_backfill = [&workload, &waits](std::string_view phase) {
    if (phase != "backfill") return;
    workload.SetPhase(kBackfill);
    waits.SetEnabled(true);
  };
  ZS_ASSIGN_OR_RETURN(auto engine,
                      TimedEngine::Connect(url, std::move(defaults), std::move(mark_backfill)));
  ZS_RETURN_IF_ERROR(engine->Init());
  ZS_RETURN_IF_ERROR(workload.Start());
  Say(fmt::format("3. workload alone for {} s", idle.count()));
  std::this_thread::sleep_for(idle);
  workload.SetPhase(kDdl);
  Say("3. zeroshift start under the workload");
  Result<StartRun> run = engine->Start(migration);
  workload.SetPhase(kAfter);
  waits.Stop();
  double workload_seconds = workload.Stop();
  if (sampling) out.data["wait_events_during_backfill"] = waits.ToJson();
  ZS_RETURN_IF_ERROR(run.status());
  ZS_ASSIGN_OR_RETURN(long long wrong, CountSplitMismatches(conn));

  std::vector<PhaseStats> phases = workload.Collect();
  phases.resize(4);
  long long errors = 0;
  for (int i = 0; i < 4; ++i) {
    errors += phases[i].errors;
    out.data["phases"][kPhaseNames[i]] = PhaseJson(phases[i]);
  }
  double idle_p99 = out.data["phases"]["idle"]["p99_ms"];
  double backfill_p99 = out.data["phases"]["backfill"]["p99_ms"];
  double ratio = backfill_p99 / idle_p99;
  out.data["backfill"] = {{"seconds", run->backfill_seconds},
                          {"rows_per_second", rows / run->backfill_seconds},
                          {"rows_not_split_after", wrong}};
  out.data["workload_seconds"] = workload_seconds;
  out.data["p99_ratio_backfill_over_idle"] = ratio;
  out.data["client_errors"] = errors;
  if (wrong != 0) return Internal(fmt::format("{} rows were not backfilled correctly", wrong));

  std::string setup = fmt::format(
      "{} rows; {} clients x {} tx/s, single-row by id, {:.0f}% UPDATE; `zeroshift start` "
      "({}) after {} s idle",
      Thousands(rows), options.clients, options.rate_per_client, options.write_fraction * 100,
      flags && *flags ? std::string(flags) : "default options", idle.count());
  out.rows.push_back({"3. foreground p99 during the backfill", setup,
                      fmt::format("p99 idle {:.2f} ms, during backfill {:.2f} ms: {:.2f}x",
                                  idle_p99, backfill_p99, ratio),
                      "<= 1.5x", Verdict(ratio <= 1.5)});
  out.rows.push_back({"3. client errors", "same run, all phases (idle, DDL, backfill)",
                      fmt::format("{}", errors), "0", Verdict(errors == 0)});
  return databases.Drop("bench_load");
}

}  // namespace

FigureResult UnderLoad(const Config& config, Databases& databases) {
  return RunFigure("under_load", "3. Foreground latency under the backfill",
                   [&](FigureResult& out) { return MeasureUnderLoad(config, databases, out); });
}

}  // namespace zs::bench
