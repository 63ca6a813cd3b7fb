// `zeroshift lab`: the seed's change measured on a real database under a real
// workload. --headless runs the naive script and the expand-contract migration
// side by side and reports; --serve opens the interactive dashboard.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/app.h"
#include "lab/chart.h"
#include "lab/mariadb_comparison.h"
#include "lab/scenario.h"
#include "lab/server.h"
#include "lab/session.h"
#include "servers/mariadb_server.h"
#include "servers/temp_cluster.h"

namespace zs::cli {

namespace {

struct LabFlags {
  long long rows = 1000000;
  int clients = 4;
  int rate = 200;
  int client_timeout_ms = 2000;
  int backfill_batch_size = 0;  // 0: zeroshift start's default backfill
  bool headless = false;
  std::string report;
  bool serve = false;
  int port = 8484;
  std::string db = "postgres";
  std::string file;  // "": the seed's split for --db (MigrationFile)
};

bool OnMariadb(const LabFlags& flags) { return flags.db == "mariadb"; }

std::string MigrationFile(const LabFlags& flags) {
  if (!flags.file.empty()) return flags.file;
  return OnMariadb(flags) ? "examples/mariadb/02_split_name.yaml" : "examples/02_split_name.yaml";
}

// The MariaDB lab drops and creates databases on its server, so it always
// brings its own; a URL given alongside would be silently ignored.
Status RefuseUrlOnMariadb(const GlobalOptions& global) {
  if (global.url.empty() && global.postgres_url.empty()) return Status::Ok();
  return InvalidInput(
      "zeroshift lab --db mariadb starts a throwaway MariaDB of its own and never touches "
      "another server: drop --url/--postgres-url");
}

Status WriteFile(const std::string& path, const std::string& text) {
  std::filesystem::path target(path);
  if (target.has_parent_path()) {
    std::error_code ignored;
    std::filesystem::create_directories(target.parent_path(), ignored);
  }
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out)
    return IoError(
        fmt::format("cannot write {}; check the directory exists and is writable", path));
  return Status::Ok();
}

Status WriteReport(const LabFlags& flags, const lab::Comparison& comparison) {
  if (flags.report.empty()) {
    std::cout << "(--report FILE.json writes the figures and a latency chart next to it)\n";
    return Status::Ok();
  }
  std::string svg_path = std::filesystem::path(flags.report).replace_extension(".svg").string();
  ZS_RETURN_IF_ERROR(WriteFile(flags.report, lab::ReportJson(comparison).dump(2) + "\n"));
  ZS_RETURN_IF_ERROR(
      WriteFile(svg_path, lab::RenderLatencyChart(lab::ReportChart(comparison),
                                                  static_cast<double>(flags.client_timeout_ms))));
  std::cout << "report: " << flags.report << "\nchart:  " << svg_path << "\n";
  return Status::Ok();
}

// The run's set-up in one line, the side-by-side table and how lock waits
// were measured, for either database (`server`: "PostgreSQL 16.4").
void PrintComparison(const LabFlags& flags, const lab::Comparison& comparison,
                     const std::string& server) {
  std::cout << "\n"
            << fmt::format(
                   "{} rows, {} clients, {} requests/s, client timeout {} ms, {}, {} "
                   "cores\n\n",
                   flags.rows, flags.clients,
                   flags.rate > 0 ? std::to_string(flags.rate) : "unthrottled",
                   flags.client_timeout_ms, server,
                   comparison.setup["machine_cores"].get<unsigned>())
            << lab::ReportTable(comparison) << "\n"
            << "Lock waits: " << comparison.setup["lock_wait_method"].get<std::string>() << ".\n";
}

Status RunHeadlessMariadb(const GlobalOptions& global, const LabFlags& flags) {
  ZS_RETURN_IF_ERROR(RefuseUrlOnMariadb(global));
  std::cout << "Starting a throwaway MariaDB..." << std::endl;
  ZS_ASSIGN_OR_RETURN(std::unique_ptr<servers::MariadbServer> server,
                      servers::MariadbServer::Start());
  lab::MariadbComparisonOptions options{
      .scenario = {.rows = flags.rows,
                   .clients = flags.clients,
                   .rate = flags.rate,
                   .client_timeout = std::chrono::milliseconds(flags.client_timeout_ms),
                   .migration_file = MigrationFile(flags),
                   .backfill_batch_size = flags.backfill_batch_size},
      .fresh_database = [&server](const std::string& scenario) {
        return server->CreateDatabase(scenario == "naive" ? "zeroshift_lab_naive"
                                                          : "zeroshift_lab_expand_contract");
      }};
  if (!global.quiet) {
    options.scenario.progress = [](const std::string& line) {
      std::cout << "  " << line << std::endl;
    };
  }
  ZS_ASSIGN_OR_RETURN(lab::Comparison comparison, lab::RunMariadbComparison(options));
  PrintComparison(flags, comparison,
                  "MariaDB " + comparison.setup["server_version"].get<std::string>());
  std::cout << "\nWhat this run shows on MariaDB:\n";
  for (const std::string& note : comparison.notes) std::cout << "- " << note << "\n";
  std::cout << "\n";
  return WriteReport(flags, comparison);
}

Status RunHeadless(const GlobalOptions& global, const LabFlags& flags) {
  if (OnMariadb(flags)) return RunHeadlessMariadb(global, flags);
  std::unique_ptr<servers::TempCluster> cluster;
  std::string admin = global.postgres_url;
  if (admin.empty()) {
    std::cout << "Starting a throwaway PostgreSQL..." << std::endl;
    ZS_ASSIGN_OR_RETURN(cluster, servers::TempCluster::Start());
    admin = cluster->Url();
  }
  lab::ScenarioOptions options{.admin_conninfo = admin,
                               .rows = flags.rows,
                               .clients = flags.clients,
                               .rate = flags.rate,
                               .client_timeout = std::chrono::milliseconds(flags.client_timeout_ms),
                               .migration_file = MigrationFile(flags),
                               .backfill_batch_size = flags.backfill_batch_size};
  if (!global.quiet) {
    options.progress = [](const std::string& line) { std::cout << "  " << line << std::endl; };
  }
  ZS_ASSIGN_OR_RETURN(lab::Comparison comparison, lab::RunComparison(options));
  PrintComparison(flags, comparison,
                  "PostgreSQL " + comparison.setup["postgres_version"].get<std::string>());
  return WriteReport(flags, comparison);
}

Status RunServe(const GlobalOptions& global, const LabFlags& flags) {
  std::cout << fmt::format("Loading {} rows and starting {} clients...", flags.rows, flags.clients)
            << std::endl;
  lab::SessionOptions options{.postgres_url = global.postgres_url,
                              .rows = flags.rows,
                              .clients = flags.clients,
                              .rate = flags.rate,
                              .migration_file = MigrationFile(flags)};
  if (OnMariadb(flags)) {
    ZS_RETURN_IF_ERROR(RefuseUrlOnMariadb(global));
    options.database = backend::Kind::kMariadb;
    std::cout << "Starting a throwaway MariaDB..." << std::endl;
  }
  ZS_ASSIGN_OR_RETURN(std::unique_ptr<lab::Session> session, lab::Session::Create(options));
  return lab::Serve(*session, {.port = flags.port, .on_listening = [](int port) {
                                 std::cout << fmt::format("dashboard: http://127.0.0.1:{}/", port)
                                           << std::endl;
                               }});
}

}  // namespace

void RegisterLab(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto* cmd = app.add_subcommand(
      "lab",
      "measure the seed's naive script against the expand-contract migration under a live "
      "workload (--headless), or step through it in a browser (--serve)");
  auto flags = std::make_shared<LabFlags>();
  cmd->add_option("--rows", flags->rows, "rows loaded into users")
      ->capture_default_str()
      ->check(CLI::Range(1LL, 1000000000LL));
  cmd->add_option("--clients", flags->clients, "application connections")
      ->capture_default_str()
      ->check(CLI::Range(1, 200));
  cmd->add_option("--rate", flags->rate, "total requests per second, 0 = as fast as they go")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--client-timeout", flags->client_timeout_ms,
                  "statement_timeout of each client request, in ms; slower is an error")
      ->capture_default_str()
      ->check(CLI::Range(10, 600000));
  cmd->add_option("--backfill-batch-size", flags->backfill_batch_size,
                  "run the fixed backfill schedule with this many rows per batch (as `zeroshift "
                  "start --backfill-batch-size`); not given: the backfill `zeroshift start` runs "
                  "by default (adaptive, paced while clients work)")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--db", flags->db,
                  "the database to run the lab on: postgres (the --url server or an embedded "
                  "one) or mariadb (always a throwaway server of its own)")
      ->capture_default_str()
      ->check(CLI::IsMember({"postgres", "mariadb"}));
  cmd->add_option("--file", flags->file,
                  "the expand-contract migration (default: examples/02_split_name.yaml; with "
                  "--db mariadb, examples/mariadb/02_split_name.yaml)");
  auto* headless = cmd->add_flag("--headless", flags->headless,
                                 "run both scenarios, print the comparison (the default)");
  cmd->add_option("--report", flags->report,
                  "write the comparison as JSON here and its latency chart beside it (.svg)");
  auto* serve = cmd->add_flag("--serve", flags->serve, "serve the dashboard on 127.0.0.1");
  cmd->add_option("--port", flags->port, "dashboard port, 0 = any free one")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  serve->excludes(headless);
  cmd->callback([&options, &run, flags] {
    run = [&options, flags] {
      return flags->serve ? RunServe(options, *flags) : RunHeadless(options, *flags);
    };
  });
}

}  // namespace zs::cli
