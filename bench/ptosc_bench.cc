// Figure 6: the peer on MariaDB. pt-online-schema-change (Debian's
// percona-toolkit) widens users.visits INT -> BIGINT on a throwaway MariaDB
// while the lab's v1 clients run (lab::RunPtOscScenario): client errors, the
// longest client request, p99 and the tool's total time. zeroshift's side of
// the comparison comes once the engine runs on MariaDB (issue 17); until then
// this figure has no goal and says so.
#include <fmt/format.h>

#include "bench/figures.h"
#include "lab/mariadb_peer.h"
#include "servers/mariadb_server.h"

namespace zs::bench {

namespace {

Status MeasurePtOsc(const Config& config, FigureResult& out) {
  const long long rows = config.quick ? 100'000 : 1'000'000;
  Say("6. starting a throwaway MariaDB");
  ZS_ASSIGN_OR_RETURN(std::unique_ptr<servers::MariadbServer> server,
                      servers::MariadbServer::Start());
  ZS_ASSIGN_OR_RETURN(std::string url, server->CreateDatabase("bench_ptosc"));
  lab::PtOscOptions options{.url = url,
                            .rows = rows,
                            .clients = 4,
                            .rate = 200,
                            .before_s = config.quick ? 1.0 : 3.0,
                            .after_s = config.quick ? 1.0 : 3.0,
                            .progress = [](const std::string& line) { Say("6. " + line); }};
  ZS_ASSIGN_OR_RETURN(
      std::vector<std::string> command,
      lab::PtOscCommand(url, "users", options.alter, options.chunk_time_s, options.program));
  std::string shown;
  for (const std::string& arg : command) shown += (shown.empty() ? "" : " ") + arg;
  out.data["rows"] = rows;
  out.data["command"] = shown;  // the server's root has no password: nothing to hide
  out.data["workload"] = {{"clients", options.clients},
                          {"rate_total_per_s", options.rate},
                          {"mix", "80% reads by id, 15% updates of name, 5% inserts (lab v1)"},
                          {"client_timeout_ms", options.client_timeout.count()}};
  ZS_ASSIGN_OR_RETURN(lab::ScenarioResult result, lab::RunPtOscScenario(options));
  const lab::Summary& s = result.summary;
  double total_ms = result.steps.empty() ? 0 : result.steps[0].duration_ms;
  double longest_during_ms = result.steps.empty() ? 0 : result.steps[0].max_request_ms;
  out.data["load_seconds"] = result.load_s;
  out.data["total_ms"] = total_ms;
  out.data["requests"] = s.requests;
  out.data["client_errors"] = s.errors;
  out.data["errors_by_class"] = result.errors_by_class;
  out.data["errors_by_message"] = result.errors_by_message;
  out.data["longest_request_ms"] = s.max_ms;
  out.data["longest_request_during_change_ms"] = longest_during_ms;
  out.data["p99_ms"] = s.p99_ms;
  out.data["longest_stall_ms"] = s.longest_stall_ms;
  out.rows.push_back(
      {"6. pt-online-schema-change, visits INT -> BIGINT (MariaDB)",
       fmt::format("{} rows, 4 lab clients at 200 req/s", Thousands(static_cast<double>(rows))),
       fmt::format("{:.0f} ms in all; {} client errors; longest request {:.1f} ms; p99 {:.1f} ms",
                   total_ms, s.errors, s.max_ms, s.p99_ms),
       "- (the peer's figures; zeroshift on MariaDB comes next)", "-"});
  return Status::Ok();
}

}  // namespace

FigureResult PtOscPeer(const Config& config, Databases& /*databases*/) {
  return RunFigure("ptosc_peer", "6. pt-online-schema-change on MariaDB under the lab's load",
                   [&](FigureResult& out) { return MeasurePtOsc(config, out); });
}

}  // namespace zs::bench
