// `zeroshift backfill [run|pause|resume|status|tune]`: resume an interrupted
// backfill, or steer a running one from another shell through the control
// row it reads before every batch.
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "backend/backend.h"
#include "backfill/defaults.h"
#include "backfill/interrupt.h"
#include "backfill/progress.h"
#include "backfill/workers.h"
#include "cli/app.h"
#include "cli/status_json.h"
#include "mysql/connection.h"

namespace zs::cli {

namespace {

struct TuneFlags {
  int batch_size = 0;
  int target_ms = 0;
  int delay_ms = -1;
  bool reset = false;
};

nlohmann::json ControlJson(const state::BackfillControl& c) {
  auto optional = [](const std::optional<long long>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json();
  };
  return {{"paused", c.paused},
          {"batch_size", optional(c.batch_size)},
          {"target_ms", optional(c.target_ms)},
          {"delay_ms", optional(c.delay_ms)}};
}

// The control row as a sentence: "paused; fixed batches of 500 rows, 100 ms
// apart".
std::string DescribeControl(const state::BackfillControl& c) {
  std::string size = c.batch_size  ? fmt::format("fixed batches of {} rows", *c.batch_size)
                     : c.target_ms ? fmt::format("adaptive batches of about {} ms", *c.target_ms)
                                   : "batch size as the command line set it";
  std::string delay = c.delay_ms ? fmt::format(", {} ms apart", *c.delay_ms) : "";
  return fmt::format("{}; {}{}", c.paused ? "paused" : "running", size, delay);
}

// Prints the control row as it now stands: a sentence on a terminal, JSON
// with --json or when stdout is a pipe or a file (as `status` and `verify`
// leave machine-readable output to scripts).
Status ChangeControl(const GlobalOptions& options, bool json,
                     const std::function<void(state::BackfillControl&)>& change) {
  GlobalOptions quiet = options;
  quiet.quiet = true;
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(quiet));
  ZS_ASSIGN_OR_RETURN(state::BackfillControl control, engine.ControlBackfill(change));
  if (json || isatty(STDOUT_FILENO) == 0) {
    std::cout << ControlJson(control).dump() << "\n";
  } else {
    std::cout << fmt::format(
        "backfill control of schema \"{}\": {}. A running backfill applies it before its next "
        "batch; `zeroshift backfill status` shows its progress.\n",
        engine.schema(), DescribeControl(control));
  }
  return Status::Ok();
}

void RegisterTune(CLI::App& parent, GlobalOptions& options, const bool& json, Runner& run) {
  auto flags = std::make_shared<TuneFlags>();
  auto* cmd = parent.add_subcommand(
      "tune", "retune the running backfill; it applies the change before its next batch");
  cmd->fallthrough();
  cmd->add_option("--batch-size", flags->batch_size, "switch to fixed batches of this many rows")
      ->check(CLI::Range(1, 10000000));
  cmd->add_option("--target-ms", flags->target_ms,
                  "switch to adaptive batches aiming at this duration (ms)")
      ->check(CLI::Range(1, 600000));
  cmd->add_option("--delay", flags->delay_ms, "pause between batches, in milliseconds")
      ->check(CLI::Range(0, 3600000));
  cmd->add_flag("--reset", flags->reset, "drop every override: back to the command line's flags");
  cmd->callback([&options, &json, &run, flags] {
    run = [&options, &json, flags]() -> Status {
      if (flags->batch_size == 0 && flags->target_ms == 0 && flags->delay_ms < 0 && !flags->reset) {
        return InvalidInput("backfill tune needs --batch-size, --target-ms, --delay or --reset");
      }
      return ChangeControl(options, json, [&](state::BackfillControl& c) {
        if (flags->reset) c = {.paused = c.paused};
        if (flags->batch_size > 0) {
          c.batch_size = flags->batch_size;
          c.target_ms.reset();
        }
        if (flags->target_ms > 0) {
          c.target_ms = flags->target_ms;
          c.batch_size.reset();
        }
        if (flags->delay_ms >= 0) c.delay_ms = flags->delay_ms;
      });
    };
  });
}

// --replica-url's check: a MariaDB URL that parses (CLI11 prefixes the
// message with the option's name; a password is never repeated).
std::string CheckReplicaUrl(const std::string& url) {
  Result<const backend::Backend*> backend = backend::SelectBackend(url);
  if (!backend.ok() || (*backend)->kind() != backend::Kind::kMariadb) {
    return "takes a MariaDB replica's URL (mariadb://user:password@host:port/ or "
           "mysql://...); PostgreSQL finds its standbys itself";
  }
  if (Result<mysql::ConnectParams> params = mysql::ParseUrl(url); !params.ok()) {
    return mysql::RedactPassword(url) + ": " + params.status().message();
  }
  return "";
}

// PostgreSQL reads its standbys' lag from pg_stat_replication, and start
// rebuilds no table there: a replica URL or --no-rebuild would be silently
// unused, so say so.
void WarnMariadbFlagsOnPostgres(const BackfillFlags& f, const GlobalOptions& options) {
  if (f.replica_urls.empty() && !f.no_rebuild) return;
  Result<std::string> conninfo = ResolveConninfo(options);
  if (!conninfo.ok()) return;  // the command fails on it with its own message
  Result<const backend::Backend*> backend = backend::SelectBackend(*conninfo);
  if (!backend.ok() || (*backend)->kind() != backend::Kind::kPostgres) return;
  if (!f.replica_urls.empty()) {
    std::cerr << "warning: --replica-url is ignored on PostgreSQL: the backfill finds its "
                 "standbys in pg_stat_replication itself (--backfill-max-lag-mb, "
                 "--backfill-max-replay-lag); drop --replica-url\n";
  }
  if (f.no_rebuild) {
    std::cerr << "warning: --no-rebuild is ignored on PostgreSQL: start rebuilds no table "
                 "there; drop --no-rebuild\n";
  }
}

}  // namespace

BackfillFlags::BackfillFlags() {
  const backfill::Options d = backfill::DefaultBackfillOptions();
  batch_size = d.batch_size;
  batch_delay_ms = static_cast<int>(d.batch_delay.count());
  target_ms = static_cast<int>(d.target_batch.count());
  min_rows = static_cast<int>(d.min_batch_rows);
  max_rows = static_cast<int>(d.max_batch_rows);
  max_backoff_ms = static_cast<int>(d.max_backoff.count());
  max_lag_mb = static_cast<int>(d.pressure.max_lag_bytes >> 20);
  max_replay_lag_ms = static_cast<int>(d.pressure.max_replay_lag.count());
  max_xact_age_ms = static_cast<int>(d.pressure.max_xact_age.count());
  long_xact = std::string(backfill::PolicyName(d.pressure.long_transactions));
  fire_user_triggers = d.fire_user_triggers;
  no_rebuild = !d.mariadb_rebuild;
  workers = d.workers;
  nice_ratio = d.nice_ratio;
}

void AddBackfillFlags(CLI::App& cmd, BackfillFlags& f) {
  f.batch_size_option =
      cmd.add_option("--backfill-batch-size", f.batch_size,
                     "fixed mode: rows per batch (with --backfill-batch-delay: the schedule, "
                     "no adaptation); adaptive mode starts at this size")
          ->capture_default_str()
          ->check(CLI::Range(1, 10000000));
  f.batch_delay_option = cmd.add_option("--backfill-batch-delay", f.batch_delay_ms,
                                        "fixed mode: pause between batches, in milliseconds")
                             ->capture_default_str()
                             ->check(CLI::Range(0, 3600000));
  cmd.add_option("--backfill-target-ms", f.target_ms,
                 "adaptive mode: wanted duration of each batch transaction, in milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 600000));
  cmd.add_option("--backfill-min-rows", f.min_rows, "adaptive mode: smallest batch")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  cmd.add_option("--backfill-max-rows", f.max_rows, "adaptive mode: largest batch")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  cmd.add_option("--backfill-max-backoff", f.max_backoff_ms,
                 "longest sleep when the database is under pressure, in milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  cmd.add_option("--backfill-max-lag-mb", f.max_lag_mb,
                 "back off while a standby has more than this much WAL to replay (0: ignore)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  cmd.add_option("--backfill-max-replay-lag", f.max_replay_lag_ms,
                 "back off while a standby's replay_lag exceeds this, in ms (0: ignore)")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400000));
  cmd.add_option("--backfill-max-xact-age", f.max_xact_age_ms,
                 "back off while another transaction has been open longer than this, in ms "
                 "(0: ignore)")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400000));
  cmd.add_option("--backfill-long-xact", f.long_xact,
                 "what to do while another transaction is older than --backfill-max-xact-age "
                 "(it keeps vacuum from removing the rows the backfill rewrites): throttle "
                 "(sleep in proportion to the batches and its age), wait (no batch until it "
                 "ends), proceed (full speed) or stop (the cursor is saved; run again to resume); "
                 "progress and status name its session")
      ->capture_default_str()
      ->check(CLI::IsMember({"throttle", "wait", "proceed", "stop"}));
  cmd.add_flag("--json", f.json, "backfill progress as one JSON event per line on stdout");
  cmd.add_flag("--backfill-fires-user-triggers", f.fire_user_triggers,
               "let the table's own UPDATE triggers fire for every row the backfill touches "
               "(needed when this role may not set session_replication_role)");
  cmd.add_option("--replica-url", f.replica_urls,
                 "MariaDB: a replica (mariadb://user:password@host:port/) whose lag "
                 "(Seconds_Behind_Master) the adaptive backfill yields to, as to "
                 "--backfill-max-replay-lag; repeat it for each replica. Stopped replication "
                 "there slows the backfill to its slowest until it runs again. PostgreSQL "
                 "finds its standbys itself")
      ->allow_extra_args(false)  // one URL each, so a positional argument may follow
      ->check(CLI::Validator(CheckReplicaUrl, "MARIADB-URL"));
  cmd.add_flag("--no-rebuild", f.no_rebuild,
               "MariaDB: start does not rebuild the table online before the backfill (the "
               "rebuild makes the backfill faster, but rewrites the whole table in one "
               "statement, which a replica replays as one; start skips it by itself above "
               "1 GiB, or 256 MiB with --replica-url); the backfill fills the rows without it");
  cmd.add_option(
         "--backfill-nice-ratio", f.nice_ratio,
         "adaptive mode: while client sessions work in the database (active, or "
         "active in the last second; other roles' sessions this role may not see count "
         "as working), sleep this times each batch's duration after it (2: the backfill takes "
         "about a third of the time; N workers yield as one session: one walks, the "
         "others park); full speed when none works. 0: never yield")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  f.workers_option =
      cmd.add_option(
             "--backfill-workers", f.workers,
             "Sessions that backfill disjoint key ranges of each table in parallel, each in "
             "its own short transactions and resumable per range (1..16; PostgreSQL and "
             "MariaDB; tables without a key or too small to split walk in one; the fixed "
             "schedule refuses more than 1). Default on PostgreSQL 1: under client traffic one "
             "paced session leaves the clients a lower p99 than several; on MariaDB 2 for "
             "tables of 500 000 rows or more (its backfill does not pace for clients)")
          ->check(CLI::Validator(
              [](std::string& value) {
                int workers = 0;
                try {
                  workers = std::stoi(value);
                } catch (...) {
                  return value + " is not a number; pass a count of sessions from 1 to 16";
                }
                Status status = backfill::ValidateWorkers(workers, false);
                return status.ok() ? std::string() : status.message();
              },
              "1..16"));
  // The fixed schedule is one session's exact pace (backfill/workers.h).
  cmd.parse_complete_callback([&f] {
    bool fixed = f.batch_size_option->count() > 0 || f.batch_delay_option->count() > 0;
    if (Status status = backfill::ValidateWorkers(f.workers, fixed); !status.ok()) {
      throw CLI::ValidationError("--backfill-workers", status.message());
    }
  });
}

backfill::Options MakeBackfillOptions(const BackfillFlags& f, const GlobalOptions& options) {
  // Either fixed-mode flag asks for the seed's schedule: no adaptation.
  bool fixed = f.batch_size_option->count() > 0 || f.batch_delay_option->count() > 0;
  // The flags start at DefaultBackfillOptions()'s values; options no flag sets keep them.
  backfill::Options o = backfill::DefaultBackfillOptions();
  o.batch_size = f.batch_size;
  o.batch_delay = std::chrono::milliseconds(f.batch_delay_ms);
  o.adaptive = !fixed;
  o.fire_user_triggers = f.fire_user_triggers;
  o.target_batch = std::chrono::milliseconds(f.target_ms);
  o.min_batch_rows = f.min_rows;
  o.max_batch_rows = std::max(f.min_rows, f.max_rows);
  o.max_backoff = std::chrono::milliseconds(f.max_backoff_ms);
  o.pressure.max_lag_bytes = static_cast<long long>(f.max_lag_mb) << 20;
  o.pressure.max_replay_lag = std::chrono::milliseconds(f.max_replay_lag_ms);
  o.pressure.max_xact_age = std::chrono::milliseconds(f.max_xact_age_ms);
  o.replica_urls = f.replica_urls;
  o.mariadb_rebuild = !f.no_rebuild;
  o.workers = f.workers;
  // Not given: the default parallelism where it applies (backfill/workers.h);
  // the fixed schedule stays one session's exact pace.
  bool workers_given = f.workers_option != nullptr && f.workers_option->count() > 0;
  if (workers_given || fixed) o.auto_workers = 0;
  o.nice_ratio = f.nice_ratio;
  WarnMariadbFlagsOnPostgres(f, options);
  // The flag's check admits only valid names.
  if (auto policy = backfill::ParseLongTransactionPolicy(f.long_xact); policy.ok()) {
    o.pressure.long_transactions = *policy;
  }
  if (f.json) {
    auto printer = std::make_shared<backfill::ProgressPrinter>(backfill::ProgressStyle::kJson,
                                                               std::cout, std::chrono::seconds(1));
    o.on_event = [printer](const backfill::Event& e) { printer->Print(e); };
  } else if (!options.quiet) {
    auto printer = std::make_shared<backfill::ProgressPrinter>(
        backfill::ChooseProgressStyle(false, STDERR_FILENO), std::cerr);
    o.on_event = [printer](const backfill::Event& e) { printer->Print(e); };
  }
  return o;
}

void RegisterBackfill(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto flags = std::make_shared<BackfillFlags>();
  auto* cmd = app.add_subcommand(
      "backfill",
      "resume the active migration's interrupted backfill (no action, or `run`), or steer a "
      "running one: pause, resume, status, tune");
  cmd->fallthrough();
  cmd->require_subcommand(0, 1);
  AddBackfillFlags(*cmd, *flags);
  auto resume_run = [&options, flags]() -> Status {
    ZS_ASSIGN_OR_RETURN(engine::Engine engine,
                        ConnectEngine(options, MakeBackfillOptions(*flags, options)));
    backfill::InterruptScope interrupts;  // stop between batches, resumable
    return engine.Backfill();
  };
  cmd->add_subcommand("run", "resume the interrupted backfill (same as no action)")
      ->callback([&run, resume_run] { run = resume_run; });
  cmd->add_subcommand("pause", "pause the running backfill before its next batch")
      ->fallthrough()  // --json and the global flags may follow
      ->callback([&options, &run, flags] {
        run = [&options, flags] {
          return ChangeControl(options, flags->json,
                               [](state::BackfillControl& c) { c.paused = true; });
        };
      });
  cmd->add_subcommand("resume", "let a paused backfill continue")
      ->fallthrough()
      ->callback([&options, &run, flags] {
        run = [&options, flags] {
          return ChangeControl(options, flags->json,
                               [](state::BackfillControl& c) { c.paused = false; });
        };
      });
  cmd->add_subcommand("status", "print JSON: progress of each table, state, control settings")
      ->callback([&options, &run] {
        run = [&options]() -> Status {
          GlobalOptions quiet = options;
          quiet.quiet = true;
          ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(quiet));
          ZS_ASSIGN_OR_RETURN(nlohmann::json status, cli::StatusJson(engine));
          if (status["active"].is_null()) {
            return NotFound(
                fmt::format("no migration is active in schema \"{}\": `zeroshift start FILE` "
                            "starts one (its backfill runs in start)",
                            engine.schema()));
          }
          std::cout << status["active"].dump(2) << "\n";
          return Status::Ok();
        };
      });
  RegisterTune(*cmd, options, flags->json, run);
  cmd->callback([cmd, &run, resume_run] {
    if (cmd->get_subcommands().empty()) run = resume_run;
  });
}

}  // namespace zs::cli
