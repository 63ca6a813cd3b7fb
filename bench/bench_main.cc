// zeroshift_bench: the five figures of issue 4 on one throwaway PostgreSQL, and the
// MariaDB peer (figure 6, on a throwaway MariaDB of its own).
//
//   zeroshift_bench [--quick] [--out DIR] [--only NAME,NAME...]
//
// Writes DIR/<figure>.json and DIR/summary.md (rewritten after each figure,
// so an interrupted run keeps what it measured). BENCH_QUICK=1 in the
// environment is the same as --quick: small tables, a run of a few minutes,
// for development; its numbers are not the figures.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "bench/bench_paths.h"
#include "bench/figures.h"

namespace zs::bench {
namespace {

namespace fs = std::filesystem;

struct Figure {
  const char* name;
  FigureResult (*run)(const Config&, Databases&);
};

// In run order: the longest (scaling, with its 10 M-row table) last, so an
// interrupted run has the others. The summary lists them by number.
constexpr Figure kFigures[] = {{"backfill_speed", BackfillSpeed},
                               {"under_load", UnderLoad},
                               {"trigger_cost", TriggerCost},
                               {"locks", Locks},
                               {"ptosc_peer", PtOscPeer},
                               {"pgroll_shape", PgrollShape},
                               {"scaling", Scaling}};

// Every figure runs with these server settings: a 10 M-row rewrite must not
// be timed through forced checkpoints. (TempCluster itself sets fsync=off,
// full_page_writes=off and shared_buffers=128MB; the summary lists all.)
const std::vector<std::string> kServerConfig = {"max_wal_size = '8GB'", "min_wal_size = '1GB'",
                                                "checkpoint_timeout = '30min'"};

// The settings that bear on write speed, shown in the summary.
constexpr const char* kSettingsShown[] = {
    "shared_buffers", "max_wal_size",     "min_wal_size",         "checkpoint_timeout",
    "fsync",          "full_page_writes", "synchronous_commit",   "wal_level",
    "autovacuum",     "work_mem",         "maintenance_work_mem", "max_connections"};

struct PipeCloser {
  void operator()(FILE* pipe) const { pclose(pipe); }
};

// The standard output of a shell command ("" when it cannot run).
std::string CommandOutput(const std::string& command) {
  std::string out;
  std::unique_ptr<FILE, PipeCloser> pipe(popen(command.c_str(), "r"));
  if (!pipe) return out;
  char buffer[256];
  while (fgets(buffer, sizeof(buffer), pipe.get()) != nullptr) out += buffer;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string GitState(const std::string& source_dir) {
  std::string dir = "'" + source_dir + "'";
  std::string commit = CommandOutput("git -C " + dir + " rev-parse --short HEAD 2>/dev/null");
  if (commit.empty()) return "unknown";
  std::string dirty =
      CommandOutput("git -C " + dir + " status --porcelain --untracked-files=no 2>/dev/null");
  return commit + (dirty.empty() ? "" : " with uncommitted changes");
}

std::string Cell(std::string text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string Summary(const Config& config, const nlohmann::json& facts,
                    const std::vector<FigureResult>& results) {
  const nlohmann::json& m = facts["machine"];
  const nlohmann::json& s = facts["server"]["settings"];
  std::ostringstream out;
  out << "# zeroshift benchmarks" << (config.quick ? " (QUICK smoke run: not the figures)" : "")
      << "\n\n";
  out << fmt::format("Command: `{}`, started {}, tree {}.\n\n", config.command,
                     m["started_at_utc"].get<std::string>(), facts["git"].get<std::string>());
  out << fmt::format(
      "Machine: {} cores ({}), {} GiB memory, {}; load average at start {} (other work on the "
      "machine may share the CPU; each figure's JSON has the load average after it).\n\n",
      m["nproc"].get<unsigned>(), m["cpu_model"].get<std::string>(), m["memory_gib"].get<double>(),
      m["kernel"].get<std::string>(), m["load_average_at_start"].get<std::string>());
  out << "Server: " << facts["server"]["version"].get<std::string>()
      << ", a throwaway cluster (servers::TempCluster), one fresh database per figure. "
         "Settings:";
  for (const char* name : kSettingsShown) {
    if (s.contains(name)) out << fmt::format(" {}={}", name, s[name]["setting"].get<std::string>());
  }
  out << " (all non-default settings: any figure's JSON, facts.server).\n\n";
  out << "| figure | setup | measured | goal | result |\n|---|---|---|---|---|\n";
  std::vector<const FigureResult*> numbered;
  for (const auto& r : results) numbered.push_back(&r);
  std::stable_sort(
      numbered.begin(), numbered.end(),
      [](const FigureResult* a, const FigureResult* b) { return a->title < b->title; });
  for (const FigureResult* figure : numbered) {
    const FigureResult& r = *figure;
    for (const auto& row : r.rows) {
      out << fmt::format("| {} | {} | {} | {} | {} |\n", Cell(row.figure), Cell(row.setup),
                         Cell(row.measured), Cell(row.goal), Cell(row.verdict));
    }
    if (!r.status.ok()) {
      out << fmt::format("| {} | | not measured: {} | | not measured |\n", Cell(r.title),
                         Cell(r.status.ToString()));
    }
  }
  out << "\nEvery figure's setup and raw measurements: `<figure>.json` beside this file; how "
         "each is measured: bench/README.md.\n";
  return out.str();
}

Status WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  file.close();
  if (!file) return IoError("cannot write " + path.string() + "; check the directory");
  return Status::Ok();
}

Status WriteFigure(const Config& config, const nlohmann::json& facts, const FigureResult& r,
                   double seconds) {
  nlohmann::json out{{"figure", r.title},
                     {"mode", config.quick ? "quick" : "full"},
                     {"status", r.status.ok() ? "ok" : "error: " + r.status.ToString()},
                     {"seconds", seconds},
                     {"load_average_after", LoadAverage()},
                     {"measured", r.data},
                     {"summary", nlohmann::json::array()},
                     {"facts", facts}};
  for (const auto& row : r.rows) {
    out["summary"].push_back({{"figure", row.figure},
                              {"setup", row.setup},
                              {"measured", row.measured},
                              {"goal", row.goal},
                              {"result", row.verdict}});
  }
  return WriteFile(fs::path(config.out_dir) / (r.name + ".json"), out.dump(2) + "\n");
}

struct Args {
  bool quick = false;
  std::string out_dir;
  std::vector<std::string> only;
};

Result<Args> ParseArgs(int argc, char** argv) {
  Args args;
  const char* env = std::getenv("BENCH_QUICK");
  args.quick = env != nullptr && std::string(env) != "" && std::string(env) != "0";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quick") {
      args.quick = true;
    } else if (arg == "--out" && i + 1 < argc) {
      args.out_dir = argv[++i];
    } else if (arg == "--only" && i + 1 < argc) {
      std::stringstream list(argv[++i]);
      for (std::string name; std::getline(list, name, ',');) {
        bool known = false;
        for (const auto& f : kFigures) known = known || name == f.name;
        if (!known) {
          return InvalidInput("--only: no figure \"" + name +
                              "\"; use backfill_speed, scaling, under_load, trigger_cost, locks");
        }
        args.only.push_back(name);
      }
    } else {
      return InvalidInput("unknown argument \"" + arg +
                          "\"; usage: zeroshift_bench [--quick] [--out DIR] [--only NAME,...]");
    }
  }
  return args;
}

bool Selected(const Args& args, const std::string& name) {
  if (args.only.empty()) return true;
  return std::find(args.only.begin(), args.only.end(), name) != args.only.end();
}

int Main(int argc, char** argv) {
  Result<Args> args = ParseArgs(argc, argv);
  if (!args.ok()) {
    std::cerr << "zeroshift_bench: " << args.status().ToString() << "\n";
    return 2;
  }
  Config config{.quick = args->quick,
                .source_dir = SourceDir(),
                .self_binary = fs::read_symlink("/proc/self/exe").string()};
  for (int i = 0; i < argc; ++i) config.command += (i ? " " : "") + std::string(argv[i]);
  if (config.quick && argv[1] == nullptr) config.command += "  (BENCH_QUICK=1)";
  config.out_dir =
      !args->out_dir.empty() ? args->out_dir
      : config.quick ? (fs::path(config.self_binary).parent_path() / "bench-results-quick").string()
                     : config.source_dir + "/bench/results";
  std::error_code ec;
  fs::create_directories(config.out_dir, ec);
  if (ec) {
    std::cerr << "zeroshift_bench: cannot create " << config.out_dir << ": " << ec.message()
              << "\n";
    return 1;
  }
  Say(fmt::format("{} run; results to {}", config.quick ? "quick" : "full", config.out_dir));

  nlohmann::json facts{{"machine", MachineFacts()}, {"git", GitState(config.source_dir)}};
  Result<std::unique_ptr<servers::TempCluster>> cluster =
      servers::TempCluster::Start({.config_lines = kServerConfig});
  if (!cluster.ok()) {
    std::cerr << "zeroshift_bench: " << cluster.status().ToString() << "\n";
    return 1;
  }
  {
    Result<pg::Connection> conn = pg::Connection::Open((*cluster)->Url("postgres"));
    Result<nlohmann::json> server = conn.ok() ? ServerFacts(*conn) : conn.status();
    if (!server.ok()) {
      std::cerr << "zeroshift_bench: " << server.status().ToString() << "\n";
      return 1;
    }
    facts["server"] = *server;
  }

  Databases databases(**cluster);
  std::vector<FigureResult> results;
  int failures = 0;
  for (const Figure& figure : kFigures) {
    if (!Selected(*args, figure.name)) continue;
    Say(fmt::format("figure {} (load average {})", figure.name, LoadAverage()));
    auto start = Clock::now();
    results.push_back(figure.run(config, databases));
    const FigureResult& r = results.back();
    double seconds = SecondsSince(start);
    if (!r.status.ok()) {
      ++failures;
      Say(fmt::format("figure {} stopped: {}", figure.name, r.status.ToString()));
    }
    for (const auto& row : r.rows) {
      Say(fmt::format("  {}: {} [goal {}: {}]", row.figure, row.measured, row.goal, row.verdict));
    }
    Say(fmt::format("figure {} took {:.0f} s", figure.name, seconds));
    Status written = WriteFigure(config, facts, r, seconds);
    if (written.ok()) {
      written = WriteFile(fs::path(config.out_dir) / "summary.md", Summary(config, facts, results));
    }
    if (!written.ok()) {
      std::cerr << "zeroshift_bench: " << written.ToString() << "\n";
      return 1;
    }
  }
  Say(fmt::format("done; {} figure(s) failed; summary: {}/summary.md", failures, config.out_dir));
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace zs::bench

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--child-backfill") {
    return zs::bench::ScalingChild(argv[2], argv[3], argv[4]);
  }
  return zs::bench::Main(argc, argv);
}
