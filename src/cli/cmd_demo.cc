// `zeroshift demo`: the seed's split-name change, end to end, on a throwaway
// PostgreSQL that the command starts and removes itself.
#include <chrono>
#include <iostream>

#include <fmt/format.h>

#include "cli/app.h"
#include "cli/embedded_examples.h"
#include "cli/status_json.h"
#include "migration/parser.h"
#include "servers/temp_cluster.h"

namespace zs::cli {

namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Status PrintQuery(pg::Connection& conn, const std::string& title, const std::string& sql) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.Exec(sql));
  std::cout << "  " << title << "\n";
  for (int r = 0; r < rows.size(); ++r) {
    std::string line = "    ";
    for (int c = 0; c < rows.columns(); ++c) {
      line += (c ? " | " : "") + (rows.IsNull(r, c) ? std::string("NULL") : rows.Get(r, c));
    }
    std::cout << line << "\n";
  }
  return Status::Ok();
}

// The migration the demo runs: `file`, or the split-name example built into
// the binary (examples/02_split_name.yaml), so the demo runs from anywhere.
Result<migration::Migration> DemoMigration(const std::string& file) {
  if (!file.empty()) return migration::LoadMigrationFile(file);
  return migration::ParseMigration(std::string(data::kSplitNameMigration), "02_split_name.yaml");
}

Status RunDemo(const GlobalOptions& options, int rows, const std::string& file) {
  // Inputs first: a bad --file fails before a server starts or a row loads.
  ZS_ASSIGN_OR_RETURN(migration::Migration migration, DemoMigration(file));
  std::string shown = file.empty() ? "02_split_name.yaml (built in)" : file;
  std::cout << "Starting a throwaway PostgreSQL...\n";
  ZS_ASSIGN_OR_RETURN(auto cluster, servers::TempCluster::Start());
  ZS_ASSIGN_OR_RETURN(std::string url, cluster->CreateDatabase("demo"));
  ZS_ASSIGN_OR_RETURN(pg::Connection app, pg::Connection::Open(url));
  auto t0 = std::chrono::steady_clock::now();
  ZS_RETURN_IF_ERROR(app.Run(fmt::format(
      "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);"
      "INSERT INTO users (name) SELECT (ARRAY['Alice','Bob','Carol','Dave'])[1 + g % 4] || ' ' "
      "|| (ARRAY['Smith','Jones','Brown','Lee'])[1 + (g / 4) % 4] || g FROM generate_series(1, "
      "{}) g; ANALYZE users;",
      rows)));
  std::cout << fmt::format("Loaded users with {} rows in {:.1f} s (v1: one column `name`).\n\n",
                           rows, SecondsSince(t0));

  GlobalOptions demo = options;
  demo.postgres_url = url;
  backfill::Options backfill{.batch_size = 1000};
  backfill.on_progress = [](const backfill::Progress& p) {
    if (p.finished) std::cerr << fmt::format("    backfilled {} rows\n", p.rows_done);
  };
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(demo, backfill));
  ZS_RETURN_IF_ERROR(engine.Init());

  std::cout << "zeroshift start " << shown << "  (steps 1-3: expand, dual write, backfill)\n";
  t0 = std::chrono::steady_clock::now();
  ZS_RETURN_IF_ERROR(engine.Start(migration));
  std::cout << fmt::format("  took {:.2f} s\n", SecondsSince(t0));
  ZS_RETURN_IF_ERROR(PrintQuery(app, "v1 clients (search_path public) still read `name`:",
                                "SELECT id, name FROM public.users ORDER BY id LIMIT 2"));
  ZS_ASSIGN_OR_RETURN(std::string version, engine.LatestVersionSchema());
  ZS_ASSIGN_OR_RETURN(pg::Connection v2, pg::Connection::Open(url));
  ZS_RETURN_IF_ERROR(v2.Run("SET search_path TO " + version + ", public"));
  ZS_RETURN_IF_ERROR(
      PrintQuery(v2, "v2 clients (search_path " + version + ", public) read the new shape:",
                 "SELECT id, first_name, last_name FROM users ORDER BY id LIMIT 2"));
  ZS_RETURN_IF_ERROR(
      v2.Run("INSERT INTO users (first_name, last_name) VALUES ('Grace', 'Hopper')"));
  ZS_RETURN_IF_ERROR(app.Run("INSERT INTO users (name) VALUES ('Alan Turing')"));
  ZS_RETURN_IF_ERROR(PrintQuery(
      app, "a v2 write and a v1 write, each visible in both shapes (triggers, both directions):",
      "SELECT id, name, first_name, last_name FROM users ORDER BY id DESC LIMIT 2"));

  std::cout << "\nzeroshift complete  (step 5: contract)\n";
  t0 = std::chrono::steady_clock::now();
  ZS_RETURN_IF_ERROR(engine.Complete());
  std::cout << fmt::format("  took {:.2f} s\n", SecondsSince(t0));
  ZS_RETURN_IF_ERROR(PrintQuery(
      app, "users now has columns:",
      "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM "
      "information_schema.columns WHERE table_schema = 'public' AND table_name = 'users'"));
  ZS_ASSIGN_OR_RETURN(nlohmann::json status, cli::StatusJson(engine));
  std::cout << "\nzeroshift status\n" << status.dump(2) << "\n";
  return Status::Ok();
}

}  // namespace

void RegisterDemo(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto* cmd = app.add_subcommand(
      "demo", "run the seed's split-name migration on a throwaway PostgreSQL and show each step");
  auto rows = std::make_shared<int>(200000);
  auto file = std::make_shared<std::string>();
  cmd->add_option("--rows", *rows, "rows in users")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000000));
  cmd->add_option("--file", *file,
                  "the migration to run on users(id, name) (default: the split-name example, "
                  "examples/02_split_name.yaml, built into the binary)");
  cmd->callback([&options, &run, rows, file] {
    run = [&options, rows, file] { return RunDemo(options, *rows, *file); };
  });
}

}  // namespace zs::cli
