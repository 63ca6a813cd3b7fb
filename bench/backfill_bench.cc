// Figures 1 (backfill speed) and 2 (scaling and peak memory).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string_view>

#include <fmt/format.h>

#include "bench/engine_run.h"
#include "bench/figures.h"
#include "migration/parser.h"

namespace zs::bench {

namespace {

namespace fs = std::filesystem;

// Child logs and hand-over files live beside the executable, out of the tree.
std::string WorkFile(const Config& config, const std::string& file) {
  fs::path dir = fs::path(config.self_binary).parent_path() / "bench-logs";
  std::error_code ec;
  fs::create_directories(dir, ec);
  return (dir / file).string();
}

Status RequireAllSplit(pg::Connection& conn, const std::string& what) {
  ZS_ASSIGN_OR_RETURN(long long wrong, CountSplitMismatches(conn));
  if (wrong == 0) return Status::Ok();
  return Internal(fmt::format(
      "{}: {} rows of users have first_name/last_name different from split_part(name) after the "
      "run, so its timing is not a backfill's; check the engine's backfill",
      what, wrong));
}

// Default options; ZS_BENCH_SPEED_FLAGS (backfill flags of `zeroshift start`)
// only for A/B experiments, written into the results with the options.
std::string SpeedFlagsForAB() {
  const char* flags = std::getenv("ZS_BENCH_SPEED_FLAGS");
  return flags != nullptr ? flags : "";
}

// ZS_BENCH_SPEED_AB_ONLY=1: the default row against the naive UPDATE only
// (no second naive statement, no --backfill-workers rows, no fixed schedule),
// so that interleaved A/B runs of ZS_BENCH_SPEED_FLAGS take minutes less.
bool SpeedAbOnly() {
  const char* only = std::getenv("ZS_BENCH_SPEED_AB_ONLY");
  return only != nullptr && std::string_view(only) == "1";
}

// `zeroshift start` (engine in-process) on a fresh `rows`-row table with the
// backfill options the CLI builds from `flags`; the backfill phase is timed.
Result<nlohmann::json> MeasureStart(Databases& databases, const std::string& database,
                                    long long rows, const migration::Migration& migration,
                                    const std::string& flags) {
  ZS_ASSIGN_OR_RETURN(backfill::Options options, CliBackfillOptions(flags));
  ZS_ASSIGN_OR_RETURN(std::string url, databases.Fresh(database));
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(url));
  Say(fmt::format("1. loading {} rows", Thousands(rows)));
  ZS_ASSIGN_OR_RETURN(double load_seconds, LoadUsers(conn, rows));
  ZS_RETURN_IF_ERROR(Checkpoint(conn));
  nlohmann::json options_json = ToJson(options);
  ZS_ASSIGN_OR_RETURN(auto engine, TimedEngine::Connect(url, std::move(options)));
  ZS_RETURN_IF_ERROR(engine->Init());
  Say(fmt::format("1. zeroshift start {}(engine in-process)", flags.empty() ? "" : flags + " "));
  ZS_ASSIGN_OR_RETURN(StartRun run, engine->Start(migration));
  ZS_RETURN_IF_ERROR(RequireAllSplit(conn, "zeroshift start " + flags));
  ZS_RETURN_IF_ERROR(databases.Drop(database));
  return nlohmann::json{
      {"rows", rows},
      {"flags", flags},
      {"backfill_options", options_json},
      {"load_seconds", load_seconds},
      {"start_seconds", run.start_seconds},
      {"backfill_seconds", run.backfill_seconds},
      {"rows_per_second", rows / run.backfill_seconds},
      {"rows_reported", run.rows_reported},
      {"batches", run.batches},
      {"average_batch_rows", run.batches > 0 ? static_cast<double>(rows) / run.batches : 0.0}};
}

// The naive UPDATE: split_part for both columns.
constexpr const char* kNaiveUpdate =
    "UPDATE users SET first_name = split_part(name, ' ', 1), last_name = split_part(name, ' ', 2)";
// The same UPDATE with the `up` expressions of examples/02_split_name.yaml
// (since 2026-12-06 last_name is a regex, the rest after the first space,
// which costs more per row than split_part): like for like with the backfill.
constexpr const char* kNaiveSameUp =
    "UPDATE users SET first_name = split_part(name, ' ', 1), last_name = substring(name from ' "
    "(.*)$')";

Result<nlohmann::json> MeasureNaive(Databases& databases, long long rows,
                                    const std::string& update) {
  ZS_ASSIGN_OR_RETURN(std::string url, databases.Fresh("bench_speed_naive"));
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(url));
  Say(fmt::format("1. loading {} rows for the naive UPDATE", Thousands(rows)));
  ZS_ASSIGN_OR_RETURN(double load_seconds, LoadUsers(conn, rows));
  // The same columns zeroshift adds (nullable, no default: a catalog change only).
  ZS_RETURN_IF_ERROR(
      conn.Run("ALTER TABLE users ADD COLUMN first_name text, ADD COLUMN last_name text"));
  ZS_RETURN_IF_ERROR(Checkpoint(conn));
  Say("1. naive single UPDATE: " + update);
  auto start = Clock::now();
  ZS_RETURN_IF_ERROR(conn.Run(update));
  double seconds = SecondsSince(start);
  ZS_RETURN_IF_ERROR(RequireAllSplit(conn, "the naive UPDATE"));
  ZS_RETURN_IF_ERROR(databases.Drop("bench_speed_naive"));
  return nlohmann::json{{"rows", rows},
                        {"statement", update},
                        {"load_seconds", load_seconds},
                        {"update_seconds", seconds},
                        {"rows_per_second", rows / seconds}};
}

constexpr const char* kSeedSchedule = "--backfill-batch-size 500 --backfill-batch-delay 100";

Status MeasureBackfillSpeed(const Config& config, Databases& databases, FigureResult& out) {
  const long long rows = config.quick ? 100'000 : 2'000'000;
  const long long fixed_rows = config.quick ? 10'000 : 100'000;
  ZS_ASSIGN_OR_RETURN(migration::Migration migration, LoadSplitName(config));
  out.data["rows"] = rows;
  out.data["migration"] = SplitNamePath(config);
  ZS_ASSIGN_OR_RETURN(out.data["zeroshift"], MeasureStart(databases, "bench_speed_engine", rows,
                                                          migration, SpeedFlagsForAB()));
  ZS_ASSIGN_OR_RETURN(out.data["naive_update"], MeasureNaive(databases, rows, kNaiveUpdate));
  double engine_rate = out.data["zeroshift"]["rows_per_second"];
  double naive_rate = out.data["naive_update"]["rows_per_second"];
  double ratio = engine_rate / naive_rate;
  out.data["ratio_to_naive"] = ratio;
  if (SpeedAbOnly()) {
    out.data["ab_only"] = true;
    out.rows.push_back({"1. backfill vs one naive UPDATE (A/B run)",
                        fmt::format("{} rows; `zeroshift start {}` vs the naive UPDATE",
                                    Thousands(rows), SpeedFlagsForAB()),
                        fmt::format("zeroshift {} rows/s, naive {} rows/s: ratio {:.2f}",
                                    Thousands(engine_rate), Thousands(naive_rate), ratio),
                        ">= 0.8 (issue 16)", Verdict(ratio >= 0.8)});
    return Status::Ok();
  }
  ZS_ASSIGN_OR_RETURN(out.data["naive_update_same_up"],
                      MeasureNaive(databases, rows, kNaiveSameUp));
  double same_up_rate = out.data["naive_update_same_up"]["rows_per_second"];
  out.data["ratio_to_naive_same_up"] = engine_rate / same_up_rate;
  out.rows.push_back(
      {"1. backfill vs one naive UPDATE",
       fmt::format("{} rows; `zeroshift start` with the CLI's default backfill options (engine "
                   "in-process), backfill phase timed, vs `UPDATE users SET first_name = "
                   "split_part(..), last_name = split_part(..)` on an identical table with the "
                   "columns added, no triggers",
                   Thousands(rows)),
       fmt::format("zeroshift {} rows/s, naive {} rows/s: ratio {:.2f} (naive with the "
                   "migration's own `up`, a regex for last_name: {} rows/s, ratio {:.2f})",
                   Thousands(engine_rate), Thousands(naive_rate), ratio, Thousands(same_up_rate),
                   engine_rate / same_up_rate),
       ">= 0.8 (issue 16)", Verdict(ratio >= 0.8)});

  // --backfill-workers N on the same table shape, in the same run. The
  // default row above is backfill::kDefaultWorkers sessions on this table
  // unless ZS_BENCH_SPEED_FLAGS says otherwise; N = 1 is measured here too.
  std::string workers_rates;
  out.data["workers"] = nlohmann::json::object();
  for (int workers : {1, 2, 4}) {
    std::string flags = fmt::format("--backfill-workers {}", workers);
    ZS_ASSIGN_OR_RETURN(nlohmann::json run,
                        MeasureStart(databases, fmt::format("bench_speed_workers{}", workers), rows,
                                     migration, flags));
    double rate = run["rows_per_second"];
    run["ratio_to_naive"] = rate / naive_rate;
    run["rows_per_second_per_worker"] = rate / workers;
    out.data["workers"][std::to_string(workers)] = run;
    workers_rates +=
        fmt::format("{}{}: {} rows/s ({:.2f}, {} per worker)", workers_rates.empty() ? "" : ", ",
                    workers, Thousands(rate), rate / naive_rate, Thousands(rate / workers));
  }
  out.rows.push_back(
      {"1. backfill with --backfill-workers N",
       fmt::format("the same {}-row table and migration, `zeroshift start --backfill-workers N` "
                   "(adaptive, N sessions on disjoint key ranges), each vs the naive UPDATE "
                   "above",
                   Thousands(rows)),
       "N: rows/s (ratio to naive): " + workers_rates, ">= 0.8 (issue 16, with N workers)", "-"});

  ZS_ASSIGN_OR_RETURN(
      out.data["fixed_schedule"],
      MeasureStart(databases, "bench_speed_fixed", fixed_rows, migration, kSeedSchedule));
  double fixed_rate = out.data["fixed_schedule"]["rows_per_second"];
  out.data["speedup_over_fixed_schedule"] = engine_rate / fixed_rate;
  out.rows.push_back(
      {"1. backfill vs the seed's 500 rows / 100 ms",
       fmt::format("`zeroshift start {}` (the CLI's fixed mode, engine in-process) on a "
                   "{}-row table: a slice, as the schedule needs ~7 min for 2 M rows",
                   kSeedSchedule, Thousands(fixed_rows)),
       fmt::format("fixed schedule {} rows/s; default options {:.1f}x that", Thousands(fixed_rate),
                   engine_rate / fixed_rate),
       "(comparison)", "-"});
  return Status::Ok();
}

// One scaling point: load, then the engine in a fresh child process.
Result<nlohmann::json> ScalingPoint(const Config& config, Databases& databases, long long rows) {
  std::string name = fmt::format("bench_scale_{}", rows);
  ZS_ASSIGN_OR_RETURN(std::string url, databases.Fresh(name));
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(url));
  Say(fmt::format("2. loading {} rows", Thousands(rows)));
  ZS_ASSIGN_OR_RETURN(double load_seconds, LoadUsers(conn, rows));
  ZS_RETURN_IF_ERROR(Checkpoint(conn));
  Say(fmt::format("2. zeroshift start on {} rows (child process)", Thousands(rows)));
  std::string log = WorkFile(config, name + ".log");
  std::string result_file = WorkFile(config, name + "_result.json");
  std::error_code ec;
  fs::remove(result_file, ec);
  ZS_ASSIGN_OR_RETURN(ChildRun run, RunChild({config.self_binary, "--child-backfill", url,
                                              SplitNamePath(config), result_file},
                                             log));
  if (run.exit_code != 0)
    return IoError(fmt::format("scaling child for {} rows failed; see {}", rows, log));
  std::ifstream in(result_file);
  auto child = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (child.is_discarded() || !child.contains("backfill_seconds")) {
    return Internal("scaling child wrote no result to " + result_file + "; see " + log);
  }
  ZS_RETURN_IF_ERROR(RequireAllSplit(conn, fmt::format("zeroshift start on {} rows", rows)));
  ZS_ASSIGN_OR_RETURN(pg::Rows size, conn.Exec("SELECT pg_total_relation_size('users')"));
  ZS_RETURN_IF_ERROR(databases.Drop(name));
  double backfill_seconds = child["backfill_seconds"];
  return nlohmann::json{{"rows", rows},
                        {"load_seconds", load_seconds},
                        {"start_seconds", child["start_seconds"]},
                        {"backfill_seconds", backfill_seconds},
                        {"rows_per_second", rows / backfill_seconds},
                        {"batches", child["batches"]},
                        {"peak_rss_kb_vmhwm", child["vm_hwm_kb"]},
                        {"peak_rss_kb_wait4", run.max_rss_kb},
                        {"table_bytes_after", size.GetInt(0, 0)},
                        {"process_wall_seconds", run.wall_seconds}};
}

Status MeasureScaling(const Config& config, Databases& databases, FigureResult& out) {
  std::vector<long long> sizes =
      config.quick ? std::vector<long long>{20'000, 100'000, 200'000}
                   : std::vector<long long>{100'000, 1'000'000, 10'000'000, 20'000'000};
  out.data["points"] = nlohmann::json::array();
  double min_rate = 0, max_rate = 0;
  long first_rss = 0, max_rss = 0;
  std::string rates, memory;
  for (long long rows : sizes) {
    ZS_ASSIGN_OR_RETURN(nlohmann::json point, ScalingPoint(config, databases, rows));
    out.data["points"].push_back(point);
    double rate = point["rows_per_second"];
    long rss = point["peak_rss_kb_vmhwm"];
    min_rate = min_rate == 0 ? rate : std::min(min_rate, rate);
    max_rate = std::max(max_rate, rate);
    if (first_rss == 0) first_rss = rss;
    max_rss = std::max(max_rss, rss);
    rates += fmt::format("{}{}: {}", rates.empty() ? "" : ", ", Thousands(rows), Thousands(rate));
    memory +=
        fmt::format("{}{}: {:.1f}", memory.empty() ? "" : ", ", Thousands(rows), rss / 1024.0);
  }
  double flatness = min_rate / max_rate;
  double growth = static_cast<double>(max_rss) / first_rss;
  out.data["min_over_max_rate"] = flatness;
  out.data["peak_rss_largest_over_smallest"] = growth;
  out.rows.push_back({"2. scaling: backfill rows/s",
                      "`zeroshift start` (engine, the CLI's default backfill options) in a fresh "
                      "child process per size; backfill phase timed",
                      fmt::format("rows/s at {}; min/max {:.2f}", rates, flatness),
                      "flat within 20% (min >= 0.8 x max)", Verdict(flatness >= 0.8)});
  out.rows.push_back({"2. scaling: peak memory",
                      "VmHWM of that child process (wait4 ru_maxrss "
                      "agrees, in the JSON)",
                      fmt::format("MiB at {}; max/first {:.2f}", memory, growth),
                      "constant (max <= 1.1 x the smallest table's)", Verdict(growth <= 1.1)});
  return Status::Ok();
}

}  // namespace

FigureResult BackfillSpeed(const Config& config, Databases& databases) {
  return RunFigure("backfill_speed", "1. Backfill speed",
                   [&](FigureResult& out) { return MeasureBackfillSpeed(config, databases, out); });
}

FigureResult Scaling(const Config& config, Databases& databases) {
  return RunFigure("scaling", "2. Scaling and peak memory",
                   [&](FigureResult& out) { return MeasureScaling(config, databases, out); });
}

int ScalingChild(const std::string& url, const std::string& migration_file,
                 const std::string& out_json) {
  auto fail = [](const Status& status) {
    std::cerr << "zeroshift_bench child: " << status.ToString() << "\n";
    return 1;
  };
  Result<migration::Migration> migration = migration::LoadMigrationFile(migration_file);
  if (!migration.ok()) return fail(migration.status());
  Result<backfill::Options> options = CliBackfillOptions("");
  if (!options.ok()) return fail(options.status());
  Result<std::unique_ptr<TimedEngine>> engine = TimedEngine::Connect(url, std::move(*options));
  if (!engine.ok()) return fail(engine.status());
  if (Status init = (*engine)->Init(); !init.ok()) return fail(init);
  Result<StartRun> run = (*engine)->Start(*migration);
  if (!run.ok()) return fail(run.status());
  nlohmann::json out{
      {"start_seconds", run->start_seconds}, {"backfill_seconds", run->backfill_seconds},
      {"rows_reported", run->rows_reported}, {"batches", run->batches},
      {"vm_hwm_kb", ProcStatusKb("VmHWM")},  {"vm_rss_kb", ProcStatusKb("VmRSS")}};
  std::ofstream file(out_json);
  file << out.dump(2) << "\n";
  file.close();
  if (!file) return fail(IoError("cannot write " + out_json));
  return 0;
}

}  // namespace zs::bench
