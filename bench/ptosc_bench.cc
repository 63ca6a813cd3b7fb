// Figure 6: zeroshift against the peer on MariaDB (issue 17). The same
// change, the same 1 M-row lab `users` table, the same v1 client load (4
// clients, 200 requests/s), the same kind of throwaway MariaDB (one fresh
// server per side):
//   - pt-online-schema-change (Debian's percona-toolkit) widening
//     users.visits INT -> BIGINT (lab::RunPtOscScenario);
//   - zeroshift making the same type change (examples/mariadb/04_widen_visits:
//     alter_column through a temporary column, src/ops/mariadb_swap*), start
//     and complete;
//   - zeroshift's add-column + backfill, the seed's split
//     (examples/mariadb/02_split_name), start, the clients moved to the new
//     version (v2: USE it, SET @zeroshift_version, as the lab's do), complete;
//   - the single naive UPDATE computing the same values on an identical
//     table, for each: the bulk speed the backfill is measured against.
// Each: client errors, the longest request, p99, total time, rows/s of the
// backfill. The goal (issue 17): 0 client errors, a longest request shorter
// than pt-osc's, a shorter total than pt-osc's.
#include <fmt/format.h>

#include <cstdlib>

#include "bench/figures.h"
#include "bench/mariadb_zeroshift.h"
#include "lab/mariadb_peer.h"
#include "servers/mariadb_server.h"

namespace zs::bench {

namespace {

// What the figure compares: the peer's and each of ours.
struct SideResult {
  double total_ms = 0;
  double longest_ms = 0;
  double p99_ms = 0;
  long long errors = 0;
  double server_cpu_s = 0;  // mariadbd's, from pt-osc's start until the clients stop
};

Status MeasurePtOsc(const MariadbLoadSetup& setup, FigureResult& out, SideResult& side) {
  Say("6. pt-osc: starting a throwaway MariaDB");
  ZS_ASSIGN_OR_RETURN(std::unique_ptr<servers::MariadbServer> server,
                      servers::MariadbServer::Start(setup.server));
  ZS_ASSIGN_OR_RETURN(std::string url, server->CreateDatabase("bench_ptosc"));
  ZS_ASSIGN_OR_RETURN(out.data["ptosc"]["server_settings"], MariadbWriteSettings(url));
  double cpu_before = 0;
  lab::PtOscOptions options{.url = url,
                            .rows = setup.rows,
                            .clients = setup.clients,
                            .rate = setup.rate,
                            .client_timeout = setup.client_timeout,
                            .before_s = setup.before_s,
                            .after_s = setup.after_s,
                            .progress = [&](const std::string& line) {
                              Say("6. " + line);
                              // The line before pt-osc runs: the change begins.
                              if (line.rfind("pt-osc: loading", 0) != 0) {
                                cpu_before = ProcessCpuSeconds(server->pid());
                              }
                            }};
  ZS_ASSIGN_OR_RETURN(
      std::vector<std::string> command,
      lab::PtOscCommand(url, "users", options.alter, options.chunk_time_s, options.program));
  std::string shown;
  for (const std::string& arg : command) shown += (shown.empty() ? "" : " ") + arg;
  nlohmann::json& data = out.data["ptosc"];
  data["command"] = shown;  // the server's root has no password: nothing to hide
  ZS_ASSIGN_OR_RETURN(lab::ScenarioResult result, lab::RunPtOscScenario(options));
  side.server_cpu_s = ProcessCpuSeconds(server->pid()) - cpu_before;
  const lab::Summary& s = result.summary;
  side.total_ms = result.steps.empty() ? 0 : result.steps[0].duration_ms;
  side.longest_ms = s.max_ms;
  side.p99_ms = s.p99_ms;
  side.errors = s.errors;
  data["load_seconds"] = result.load_s;
  data["total_ms"] = side.total_ms;
  data["requests"] = s.requests;
  data["client_errors"] = s.errors;
  data["errors_by_class"] = result.errors_by_class;
  data["errors_by_message"] = result.errors_by_message;
  data["longest_request_ms"] = s.max_ms;
  data["longest_request_during_change_ms"] =
      result.steps.empty() ? 0 : result.steps[0].max_request_ms;
  data["p99_ms"] = s.p99_ms;
  data["longest_stall_ms"] = s.longest_stall_ms;
  data["server_cpu_seconds_change_and_after"] = side.server_cpu_s;
  out.rows.push_back({"6. pt-online-schema-change, visits INT -> BIGINT (MariaDB)",
                      fmt::format("{} rows, 4 lab clients at 200 req/s",
                                  Thousands(static_cast<double>(setup.rows))),
                      fmt::format("{:.0f} ms in all; {} client errors; longest request {:.1f} ms; "
                                  "p99 {:.1f} ms; server CPU {:.1f} s",
                                  side.total_ms, s.errors, s.max_ms, s.p99_ms, side.server_cpu_s),
                      "- (the peer)", "-"});
  return Status::Ok();
}

// One side of ours (or the naive UPDATE) under the load, into out.data[key].
Result<MariadbChangeRun> MeasureChange(const MariadbLoadSetup& setup, const std::string& key,
                                       const MariadbChange& change, const std::string& check,
                                       FigureResult& out) {
  ZS_ASSIGN_OR_RETURN(MariadbChangeRun run,
                      RunMariadbChangeUnderLoad(setup, "bench_" + key, change, check, key));
  out.data[key] = run.ToJson();
  out.data[key]["check"] = check;
  Say(
      fmt::format("6. {}: {:.0f} ms, {} client errors, longest request {:.1f} ms, {} rows/s, "
                  "server CPU {:.1f} s",
                  key, run.total_ms, run.summary.errors, run.summary.max_ms,
                  Thousands(run.RowsPerSecond()), run.server_cpu_s));
  return run;
}

// "start 27.3 s, complete 4.1 s".
std::string MdPhases(const MariadbChangeRun& run) {
  std::string out;
  for (const char* phase : {"start", "shift", "complete"}) {
    auto it = run.phases_ms.find(phase);
    if (it == run.phases_ms.end()) continue;
    out += fmt::format("{}{} {:.1f} s", out.empty() ? "" : ", ", phase, it->second / 1000.0);
  }
  return out;
}

// The goal's three parts against pt-osc's, as one summary row.
SummaryRow GoalRow(const std::string& figure, const MariadbChangeRun& ours,
                   const MariadbChangeRun& naive, const SideResult& peer, const std::string& what) {
  bool no_errors = ours.summary.errors == 0;
  bool shorter_stall = ours.summary.max_ms < peer.longest_ms;
  bool shorter_total = ours.total_ms < peer.total_ms;
  return {
      figure, what,
      fmt::format("{:.0f} ms in all ({}); {} client errors; longest request {:.1f} ms; p99 "
                  "{:.1f} ms; backfill {} rows/s = {:.2f} of the naive UPDATE's {} rows/s; server "
                  "CPU {:.1f} s (pt-osc's {:.1f} s)",
                  ours.total_ms, MdPhases(ours), ours.summary.errors, ours.summary.max_ms,
                  ours.summary.p99_ms, Thousands(ours.RowsPerSecond()),
                  naive.RowsPerSecond() > 0 ? ours.RowsPerSecond() / naive.RowsPerSecond() : 0,
                  Thousands(naive.RowsPerSecond()), ours.server_cpu_s, peer.server_cpu_s),
      fmt::format("0 errors ({}), longest request < pt-osc's {:.1f} ms ({}), total < pt-osc's "
                  "{:.0f} ms ({})",
                  no_errors ? "met" : "missed", peer.longest_ms, shorter_stall ? "met" : "missed",
                  peer.total_ms, shorter_total ? "met" : "missed"),
      Verdict(no_errors && shorter_stall && shorter_total)};
}

// The split's `up`, as examples/mariadb/02_split_name.yaml writes it.
constexpr char kFirstUp[] = "SUBSTRING_INDEX(name, ' ', 1)";
constexpr char kLastUp[] =
    "IF(LOCATE(' ', name) = 0, NULL, SUBSTRING(name, LOCATE(' ', name) + 1))";

Status MeasureAll(const Config& config, FigureResult& out) {
  MariadbLoadSetup setup{.rows = config.quick ? 100'000 : 1'000'000,
                         .before_s = config.quick ? 1.0 : 3.0,
                         .after_s = config.quick ? 1.0 : 3.0};
  out.data["rows"] = setup.rows;
  out.data["workload"] = {{"clients", setup.clients},
                          {"rate_total_per_s", setup.rate},
                          {"mix", "80% reads by id, 15% updates of name, 5% inserts (lab v1)"},
                          {"client_timeout_ms", setup.client_timeout.count()}};
  out.data["server"] = "servers::MariadbServer (one fresh server per side, same options)";
  out.data["server_args"] = setup.server.server_args;
  out.data["server_log_bin"] = setup.server.log_bin;
  SideResult peer;
  ZS_RETURN_IF_ERROR(MeasurePtOsc(setup, out, peer));

  const std::string rows = std::to_string(setup.rows);
  const std::string examples = config.source_dir + "/examples/mariadb/";
  // The type change: visits is BIGINT and every loaded row kept its value.
  const std::string type_check =
      "SELECT (SELECT COUNT(*) FROM users WHERE id <= " + rows +
      " AND NOT (visits <=> id % 1000)) + (SELECT COUNT(*) FROM information_schema.COLUMNS WHERE "
      "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users' AND COLUMN_NAME = 'visits' AND "
      "DATA_TYPE <> 'bigint')";
  ZS_ASSIGN_OR_RETURN(
      MariadbChangeRun type_change,
      MeasureChange(setup, "zeroshift_type_change",
                    ZeroshiftChange(examples + "04_widen_visits.yaml", /*complete=*/true),
                    type_check, out));
  const char* flags = std::getenv("ZS_BENCH_PEER_FLAGS");
  out.data["zeroshift_flags"] = flags ? flags : "";
  // ZS_BENCH_PEER_TYPE_ONLY=1: pt-osc and the type change only, for
  // interleaved A/B runs of ZS_BENCH_PEER_FLAGS (minutes less per pair).
  if (const char* only = std::getenv("ZS_BENCH_PEER_TYPE_ONLY"); only && *only == '1') {
    out.rows.push_back(
        GoalRow("6. zeroshift alter_column visits -> BIGINT, start + complete", type_change,
                MariadbChangeRun{}, peer,
                fmt::format("{} rows, 4 lab clients at 200 req/s; flags \"{}\"",
                            Thousands(static_cast<double>(setup.rows)), flags ? flags : "")));
    return Status::Ok();
  }
  ZS_ASSIGN_OR_RETURN(
      MariadbChangeRun naive_type,
      MeasureChange(
          setup, "naive_type_update",
          NaiveUpdateChange("ALTER TABLE users ADD COLUMN visits_new BIGINT NULL, "
                            "ALGORITHM=INSTANT",
                            "UPDATE users SET visits_new = visits"),
          "SELECT COUNT(*) FROM users WHERE id <= " + rows + " AND NOT (visits_new <=> visits)",
          out));
  // What the clients see of an online rebuild that adds the type change's
  // column: a fill of rows that keep their size (bench/README.md, figure 6)
  // would begin with it. Nothing is filled here.
  ZS_ASSIGN_OR_RETURN(
      MariadbChangeRun rebuild,
      MeasureChange(setup, "online_rebuild",
                    NaiveUpdateChange("ALTER TABLE users ADD COLUMN visits_new BIGINT NOT NULL "
                                      "DEFAULT 0, FORCE, ALGORITHM=INPLACE, LOCK=NONE",
                                      "DO 0"),
                    "SELECT COUNT(*) FROM users WHERE id <= " + rows + " AND visits_new <> 0",
                    out));
  // The split, completed: `name` is gone and every row has its first name
  // (the v1 and v2 clients rename rows meanwhile, so `up` of the loaded name
  // is no longer what every row must hold; the backfill's exactness is
  // checked by the engine tests and by the naive side's check below).
  const std::string split_check =
      "SELECT (SELECT COUNT(*) FROM users WHERE first_name IS NULL OR first_name = '') + (SELECT "
      "COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = "
      "'users' AND COLUMN_NAME = 'name')";
  ZS_ASSIGN_OR_RETURN(
      MariadbChangeRun split,
      MeasureChange(setup, "zeroshift_split",
                    ZeroshiftChange(examples + "02_split_name.yaml", /*complete=*/true,
                                    /*shift=*/true),
                    split_check, out));
  ZS_ASSIGN_OR_RETURN(
      MariadbChangeRun naive_split,
      MeasureChange(
          setup, "naive_split_update",
          NaiveUpdateChange(
              "ALTER TABLE users ADD COLUMN first_name VARCHAR(200) NULL, "
              "ADD COLUMN last_name VARCHAR(200) NULL, ALGORITHM=INSTANT",
              fmt::format("UPDATE users SET first_name = {}, last_name = {}", kFirstUp, kLastUp)),
          // Clients change names after the UPDATE, and no trigger follows:
          // every loaded row got a value.
          "SELECT COUNT(*) FROM users WHERE id <= " + rows +
              " AND (first_name IS NULL OR last_name IS NULL)",
          out));

  std::string setup_text = fmt::format(
      "{} rows, 4 lab clients at 200 req/s, same server options (1 GB buffer pool "
      "and redo log, durable commits, binary log)",
      Thousands(static_cast<double>(setup.rows)));
  out.rows.push_back(GoalRow("6. zeroshift alter_column visits -> BIGINT, start + complete",
                             type_change, naive_type, peer, setup_text));
  out.rows.push_back(GoalRow("6. zeroshift split (add-column + backfill), start + complete", split,
                             naive_split, peer, setup_text));
  out.rows.push_back(
      {"6. online rebuild adding visits_new BIGINT (FORCE, INPLACE, LOCK=NONE), no fill",
       setup_text,
       fmt::format("{:.0f} ms; {} client errors; longest request {:.1f} ms; p99 {:.1f} ms; server "
                   "CPU {:.1f} s",
                   rebuild.total_ms, rebuild.summary.errors, rebuild.summary.max_ms,
                   rebuild.summary.p99_ms, rebuild.server_cpu_s),
       "- (what a rebuild-first fill would add)", "-"});
  for (const auto& [name, naive] : {std::pair<const char*, const MariadbChangeRun*>{
                                        "6. naive UPDATE visits_new = visits", &naive_type},
                                    {"6. naive UPDATE of the split's columns", &naive_split}}) {
    out.rows.push_back(
        {name, setup_text,
         fmt::format("{:.0f} ms ({} rows/s); {} client errors; longest request {:.1f} ms; p99 "
                     "{:.1f} ms; server CPU {:.1f} s",
                     naive->total_ms, Thousands(naive->RowsPerSecond()), naive->summary.errors,
                     naive->summary.max_ms, naive->summary.p99_ms, naive->server_cpu_s),
         "- (the bulk speed)", "-"});
  }
  return Status::Ok();
}

}  // namespace

FigureResult PtOscPeer(const Config& config, Databases& /*databases*/) {
  return RunFigure("ptosc_peer", "6. zeroshift against pt-online-schema-change on MariaDB",
                   [&](FigureResult& out) { return MeasureAll(config, out); });
}

}  // namespace zs::bench
