// `zeroshift fleet start|complete|rollback|status FILE --targets TARGETS`: one
// migration across many databases (src/fleet/runner.h says how).
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backfill/interrupt.h"
#include "backfill/progress.h"
#include "cli/app.h"
#include "cli/engine_options.h"
#include "fleet/fleet_status.h"
#include "fleet/runner.h"
#include "migration/parser.h"
#include "pg/session.h"

namespace zs::cli {

namespace {

struct FleetFlags {
  std::string file;
  std::string targets;
  std::vector<std::string> targets_query;  // URL, SQL
  std::string journal;
  int parallel = 1;
  std::string canary;
  bool json = false;
  BackfillFlags backfill;
};

// Lines from several targets' threads: one whole line at a time.
void FleetPrintLine(const std::string& line) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::cerr << line << "\n";
}

Result<std::vector<fleet::Target>> FleetLoadTargets(const FleetFlags& flags) {
  if (flags.targets.empty() == flags.targets_query.empty()) {
    return InvalidInput("give the fleet's targets: --targets FILE or --targets-query URL SQL");
  }
  if (!flags.targets.empty()) return fleet::LoadTargetsFile(flags.targets);
  return fleet::QueryTargets(flags.targets_query[0], flags.targets_query[1]);
}

Result<std::string> FleetJournalPath(const FleetFlags& flags, const std::string& migration) {
  if (!flags.journal.empty()) return flags.journal;
  if (flags.targets.empty()) {
    return InvalidInput(
        "--targets-query needs --journal PATH: there is no targets file to keep it beside");
  }
  return fleet::Journal::DefaultPath(flags.targets, migration);
}

// One target's backfill events as whole lines prefixed with its name: the
// single-target printer's lines (progress at most every 2 s), through a
// buffer so that targets' lines never interleave mid-line.
std::function<void(const backfill::Event&)> FleetProgressLines(const std::string& prefix) {
  auto buffer = std::make_shared<std::ostringstream>();
  auto printer =
      std::make_shared<backfill::ProgressPrinter>(backfill::ProgressStyle::kLines, *buffer);
  return [prefix, buffer, printer](const backfill::Event& event) {
    printer->Print(event);
    std::istringstream lines(buffer->str());
    buffer->str("");
    for (std::string line; std::getline(lines, line);) {
      size_t text = line.find_first_not_of(' ');
      if (text != std::string::npos) FleetPrintLine(prefix + line.substr(text));
    }
  };
}

engine::Options FleetEngineOptions(const GlobalOptions& o, const backfill::Options& backfill,
                                   const fleet::Target& target) {
  return FleetTargetEngineOptions(o, backfill, target.name, target.url);
}

// The fleet connects to its targets' URLs only: a --url or --postgres-url
// given to it would be silently unused.
Status FleetRefuseUrl(const GlobalOptions& o) {
  if (o.url.empty() && o.postgres_url.empty()) return Status::Ok();
  return InvalidInput(fmt::format(
      "{} is not used by `zeroshift fleet`: the fleet's databases come from --targets FILE "
      "(`name url` lines) or --targets-query URL SQL; drop {} and list the database as a target",
      o.url.empty() ? "--postgres-url" : "--url", o.url.empty() ? "--postgres-url" : "--url"));
}

using FleetCommand = std::function<Status(const std::vector<fleet::Target>&, fleet::TargetOps&,
                                          fleet::Journal&, const fleet::RunOptions&)>;

// Loads the migration, the targets and the journal, then runs `command`.
Status RunFleetCommand(const GlobalOptions& options, const FleetFlags& flags,
                       const backfill::Options& backfill, const FleetCommand& command) {
  ZS_RETURN_IF_ERROR(FleetRefuseUrl(options));
  ZS_ASSIGN_OR_RETURN(migration::Migration migration, migration::LoadMigrationFile(flags.file));
  ZS_ASSIGN_OR_RETURN(std::vector<fleet::Target> targets, FleetLoadTargets(flags));
  ZS_ASSIGN_OR_RETURN(std::string journal_path, FleetJournalPath(flags, migration.name));
  std::vector<std::string> names;
  for (const fleet::Target& target : targets) names.push_back(target.name);
  ZS_ASSIGN_OR_RETURN(auto journal, fleet::Journal::Open(journal_path, migration.name, names));
  fleet::EngineTargetOps ops(std::move(migration), [&](const fleet::Target& target) {
    return FleetEngineOptions(options, backfill, target);
  });
  fleet::RunOptions run{.parallel = flags.parallel, .canary = flags.canary, .interrupted = [] {
                          return backfill::InterruptSignal() != 0;
                        }};
  if (!options.quiet) run.log = [](const std::string& line) { FleetPrintLine("fleet: " + line); };
  // Ctrl-C / SIGTERM: backfills stop between batches; nothing new begins.
  backfill::InterruptScope interrupts;
  Status status = command(targets, ops, *journal, run);
  if (!options.quiet) FleetPrintLine("fleet: journal " + journal->path());
  return status;
}

std::string FleetJournalText(const std::optional<fleet::JournalEntry>& e) {
  if (!e) return "-";
  std::string text(fleet::JournalStateName(e->state));
  return e->canary ? text + " (canary)" : text;
}

// `text` on one line: libpq's messages carry "\n\t" before their hint.
std::string FleetOneLine(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool space = c == '\n' || c == '\t' || c == ' ';
    if (space && !out.empty() && out.back() == ' ') continue;
    out += space ? ' ' : c;
  }
  return out;
}

void PrintFleetTable(const std::vector<fleet::TargetReport>& reports) {
  std::vector<std::vector<std::string>> rows = {
      {"TARGET", "JOURNAL", "DATABASE", "BACKFILL", "URL", "NOTE"}};
  for (const fleet::TargetReport& r : reports) {
    std::string note = !r.own_error.empty()                     ? r.own_error
                       : r.journal && !r.journal->error.empty() ? r.journal->error
                                                                : "";
    std::string backfill = fleet::BackfillText(r.backfill);
    rows.push_back({r.name, FleetJournalText(r.journal), r.own, backfill.empty() ? "-" : backfill,
                    r.url, FleetOneLine(note)});
  }
  std::vector<size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c + 1 < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c + 1 < row.size(); ++c) line += fmt::format("{:<{}}  ", row[c], widths[c]);
    line += row.back();
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
  }
}

nlohmann::json FleetStatusJson(const std::string& migration, const std::string& journal_path,
                               const std::vector<fleet::TargetReport>& reports) {
  nlohmann::json targets = nlohmann::json::array();
  for (const fleet::TargetReport& r : reports) {
    nlohmann::json t = {{"name", r.name}, {"url", r.url}, {"state", r.own}};
    if (!r.own_error.empty()) t["error"] = r.own_error;
    t["step"] = r.step ? nlohmann::json(state::StepName(*r.step)) : nlohmann::json();
    t["backfill"] = nlohmann::json::array();
    for (const engine::BackfillStatus& b : r.backfill) {
      t["backfill"].push_back({{"target", b.target},
                               {"state", b.state},
                               {"rows_done", b.rows_done},
                               {"rows_estimate", b.rows_estimate},
                               {"percent", b.percent ? nlohmann::json(*b.percent) : nullptr},
                               {"finished", b.finished}});
    }
    if (r.journal) {
      t["journal"] = {{"state", fleet::JournalStateName(r.journal->state)},
                      {"canary", r.journal->canary},
                      {"started_by_fleet", r.journal->started_by_fleet},
                      {"error", r.journal->error},
                      {"updated_at", r.journal->updated_at}};
    } else {
      t["journal"] = nullptr;
    }
    targets.push_back(std::move(t));
  }
  return {{"migration", migration}, {"journal", journal_path}, {"targets", targets}};
}

Status RunFleetStatus(const GlobalOptions& options, const FleetFlags& flags) {
  ZS_RETURN_IF_ERROR(FleetRefuseUrl(options));
  ZS_ASSIGN_OR_RETURN(migration::Migration migration, migration::LoadMigrationFile(flags.file));
  ZS_ASSIGN_OR_RETURN(std::vector<fleet::Target> targets, FleetLoadTargets(flags));
  ZS_ASSIGN_OR_RETURN(std::string journal_path, FleetJournalPath(flags, migration.name));
  // No lock: status may look beside a running fleet.
  ZS_ASSIGN_OR_RETURN(auto journal, fleet::ReadJournal(journal_path, migration.name));
  GlobalOptions quiet = options;
  quiet.quiet = true;
  std::string name = migration.name;
  fleet::EngineTargetOps ops(std::move(migration), [&](const fleet::Target& target) {
    return FleetEngineOptions(quiet, {}, target);
  });
  std::vector<fleet::TargetReport> reports =
      fleet::ReadFleetStatus(targets, ops, journal, flags.parallel);
  if (flags.json) {
    std::cout << FleetStatusJson(name, journal_path, reports).dump(2) << "\n";
  } else {
    PrintFleetTable(reports);
  }
  return Status::Ok();
}

// The flags every fleet command takes.
void AddFleetTargetFlags(CLI::App& cmd, FleetFlags& flags) {
  cmd.add_option("file", flags.file, "migration file (YAML or JSON)")->required();
  auto* targets = cmd.add_option("--targets", flags.targets,
                                 "file of `name url` lines, one per target database");
  cmd.add_option("--targets-query", flags.targets_query,
                 "URL and SQL: the query, run on that database, lists the targets as (name, url) "
                 "rows")
      ->expected(2)
      ->excludes(targets);
  cmd.add_option("--journal", flags.journal,
                 "the fleet's journal file (default: beside the targets file, "
                 "TARGETS.MIGRATION.fleet-journal.json)");
  cmd.add_option("--parallel", flags.parallel, "targets worked on at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
}

}  // namespace

engine::Options FleetTargetEngineOptions(const GlobalOptions& o, const backfill::Options& backfill,
                                         const std::string& name, const std::string& url) {
  std::string prefix = "[" + name + "] ";
  engine::Options options = MakeEngineOptions(o, backfill, [prefix, url](const std::string& line) {
    FleetPrintLine(prefix + pg::RedactSecrets(line, url));
  });
  if (!o.quiet) options.backfill.on_event = FleetProgressLines(prefix);
  return options;
}

void RegisterFleet(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto flags = std::make_shared<FleetFlags>();
  auto* fleet = app.add_subcommand(
      "fleet",
      "one migration across many databases (shards, tenants): a canary first, N at once, stop "
      "and roll back at the first failure, resumable");
  fleet->require_subcommand(1);
  fleet->fallthrough();

  auto* start = fleet->add_subcommand(
      "start",
      "start on every target (the canary: start and complete first); on a failure roll back "
      "what this fleet started; re-run to resume");
  AddFleetTargetFlags(*start, *flags);
  start->add_option("--canary", flags->canary,
                    "target (a name, or `first`) that runs start AND complete before the others");
  AddBackfillFlags(*start, flags->backfill);
  // Progress is printed as lines prefixed by the target (FleetProgressLines):
  // JSON events of several targets at once would not say whose they are.
  start->remove_option(start->get_option("--json"));
  start->callback([&options, &run, flags] {
    run = [&options, flags] {
      GlobalOptions quiet = options;
      quiet.quiet = true;
      backfill::Options backfill = MakeBackfillOptions(flags->backfill, quiet);
      return RunFleetCommand(options, *flags, backfill, fleet::FleetStart);
    };
  });

  auto* complete = fleet->add_subcommand(
      "complete", "complete on every target, once every one is started; re-run to resume");
  AddFleetTargetFlags(*complete, *flags);
  complete->callback([&options, &run, flags] {
    run = [&options, flags] { return RunFleetCommand(options, *flags, {}, fleet::FleetComplete); };
  });

  auto* rollback = fleet->add_subcommand(
      "rollback", "roll back every target where the migration is active (completed ones stay)");
  AddFleetTargetFlags(*rollback, *flags);
  rollback->callback([&options, &run, flags] {
    run = [&options, flags] { return RunFleetCommand(options, *flags, {}, fleet::FleetRollback); };
  });

  auto* status = fleet->add_subcommand(
      "status", "per target: the journal's state and the database's own zeroshift state");
  AddFleetTargetFlags(*status, *flags);
  status->add_flag("--json", flags->json, "print JSON instead of a table");
  status->callback([&options, &run, flags] {
    run = [&options, flags] { return RunFleetStatus(options, *flags); };
  });
}

}  // namespace zs::cli
