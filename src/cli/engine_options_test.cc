// Every per-target option reaches each target of a fleet: the global flags
// parsed after `fleet start`, mapped by the one function the single-target
// commands use too (engine_options.h), are the same for every target; and
// the fleet refuses --postgres-url / --url instead of ignoring them.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "backfill/workers.h"
#include "cli/app.h"
#include "cli/engine_options.h"
#include "testing/test_support.h"

namespace zs::cli {
namespace {

using std::chrono::milliseconds;
using zs::testing::ProcessRun;
using zs::testing::RunBinary;

// The global flags, given after `fleet start` as a user writes them.
GlobalOptions ParsedFleetGlobals() {
  CLI::App app;
  GlobalOptions options;
  Runner run;
  BuildApp(app, options, run);
  std::vector<std::string> args = {"fleet",       "start",
                                   "m.yaml",      "--targets",
                                   "targets.txt", "--schema",
                                   "tenant",      "--lock-timeout",
                                   "123",         "--first-lock-wait",
                                   "45",          "--lock-retries",
                                   "7",           "--statement-timeout",
                                   "3333",        "--retry-initial-delay",
                                   "11",          "--retry-max-delay",
                                   "222",         "--no-cancel-autovacuum",
                                   "--quiet"};
  // CLI11 takes the arguments in reverse.
  std::reverse(args.begin(), args.end());
  app.parse(args);
  return options;
}

backfill::Options SomeBackfill() {
  backfill::Options b;
  b.batch_size = 42;
  b.batch_delay = milliseconds(5);
  b.adaptive = true;
  b.target_batch = milliseconds(77);
  b.min_batch_rows = 3;
  b.max_batch_rows = 99;
  b.max_backoff = milliseconds(444);
  b.pressure.max_lag_bytes = 1234;
  b.pressure.max_replay_lag = milliseconds(55);
  b.pressure.max_xact_age = milliseconds(66);
  b.pressure.long_transactions = backfill::LongTransactionPolicy::kStop;
  b.fire_user_triggers = true;
  b.workers = 3;
  b.nice_ratio = 2.5;
  return b;
}

void ExpectEveryOption(const engine::Options& e, const std::string& label) {
  EXPECT_EQ(e.schema, "tenant") << label;
  EXPECT_EQ(e.retry.lock_timeout, milliseconds(123)) << label;
  EXPECT_EQ(e.retry.first_lock_timeout, milliseconds(45)) << label;
  EXPECT_EQ(e.retry.max_attempts, 7) << label;
  EXPECT_EQ(e.retry.statement_timeout, milliseconds(3333)) << label;
  EXPECT_EQ(e.retry.initial_backoff, milliseconds(11)) << label;
  EXPECT_EQ(e.retry.max_backoff, milliseconds(222)) << label;
  EXPECT_FALSE(e.retry.cancel_autovacuum) << label;
  // The backfill's own options, and its batches' lock waits from the globals.
  EXPECT_EQ(e.backfill.batch_size, 42) << label;
  EXPECT_EQ(e.backfill.batch_delay, milliseconds(5)) << label;
  EXPECT_TRUE(e.backfill.adaptive) << label;
  EXPECT_EQ(e.backfill.target_batch, milliseconds(77)) << label;
  EXPECT_EQ(e.backfill.min_batch_rows, 3) << label;
  EXPECT_EQ(e.backfill.max_batch_rows, 99) << label;
  EXPECT_EQ(e.backfill.max_backoff, milliseconds(444)) << label;
  EXPECT_EQ(e.backfill.pressure.max_lag_bytes, 1234) << label;
  EXPECT_EQ(e.backfill.pressure.max_replay_lag, milliseconds(55)) << label;
  EXPECT_EQ(e.backfill.pressure.max_xact_age, milliseconds(66)) << label;
  EXPECT_EQ(e.backfill.pressure.long_transactions, backfill::LongTransactionPolicy::kStop) << label;
  EXPECT_TRUE(e.backfill.fire_user_triggers) << label;
  EXPECT_EQ(e.backfill.workers, 3) << label;
  EXPECT_EQ(e.backfill.nice_ratio, 2.5) << label;
  EXPECT_EQ(e.backfill.lock_timeout, milliseconds(123)) << label;
  EXPECT_EQ(e.backfill.max_attempts, 7) << label;
  // --quiet: nothing printed.
  EXPECT_FALSE(e.log) << label;
  EXPECT_FALSE(e.backfill.on_event) << label;
}

TEST(CliEngineOptions, EveryPerTargetOptionReachesEachFleetTarget) {
  GlobalOptions globals = ParsedFleetGlobals();
  backfill::Options backfill = SomeBackfill();
  ExpectEveryOption(MakeEngineOptions(globals, backfill), "single target");
  for (const char* name : {"t1", "t2", "t3"}) {
    ExpectEveryOption(
        FleetTargetEngineOptions(globals, backfill, name,
                                 fmt::format("postgresql://app@{}.internal/db", name)),
        name);
  }
}

TEST(CliEngineOptions, WithoutQuietEachTargetPrintsItsLinesAndProgress) {
  GlobalOptions globals;
  engine::Options single = MakeEngineOptions(globals, {});
  EXPECT_TRUE(single.log);
  engine::Options target = FleetTargetEngineOptions(globals, {}, "t1", "postgresql://app@h/db");
  EXPECT_TRUE(target.log);
  EXPECT_TRUE(target.backfill.on_event);
}

TEST(CliEngineOptions, FleetRefusesAUrlItWouldNotUse) {
  for (const char* flag : {"--postgres-url", "--url"}) {
    ProcessRun run = RunBinary({"fleet", "status", "m.yaml", "--targets", "targets.txt", flag,
                                "postgresql://app:pw@127.0.0.1:1/db"});
    EXPECT_NE(run.exit_code, 0) << flag;
    EXPECT_NE(run.err.find(fmt::format("{} is not used", flag)), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("--targets FILE"), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("pw@"), std::string::npos) << run.err;
  }
}

// The backfill flags as `start`, `backfill run`, `migrate` and `fleet start`
// parse them (AddBackfillFlags); the parse error's message when refused.
backfill::Options ParseBackfillFlags(std::vector<std::string> args, std::string& error) {
  CLI::App app;
  BackfillFlags flags;
  AddBackfillFlags(app, flags);
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    error = e.what();
    return {};
  }
  GlobalOptions globals;
  globals.quiet = true;
  return MakeBackfillOptions(flags, globals);
}

TEST(CliEngineOptions, BackfillWorkersFlag) {
  std::string error;
  EXPECT_EQ(ParseBackfillFlags({}, error).workers, 1);
  EXPECT_EQ(ParseBackfillFlags({"--backfill-workers", "4"}, error).workers, 4) << error;
  EXPECT_TRUE(ParseBackfillFlags({"--backfill-workers", "4"}, error).adaptive);
  EXPECT_EQ(error, "");
  for (const char* bad : {"0", "17", "two"}) {
    error.clear();
    ParseBackfillFlags({"--backfill-workers", bad}, error);
    EXPECT_NE(error.find("--backfill-workers"), std::string::npos) << bad << ": " << error;
    EXPECT_NE(error.find("1"), std::string::npos) << error;
  }
  // The fixed schedule is one session's; refused, naming both and what to do.
  for (const char* fixed : {"--backfill-batch-size", "--backfill-batch-delay"}) {
    error.clear();
    ParseBackfillFlags({"--backfill-workers", "2", fixed, "500"}, error);
    EXPECT_NE(error.find("cannot be combined with --backfill-batch-size or --backfill-batch-delay"),
              std::string::npos)
        << error;
    EXPECT_NE(error.find("drop one"), std::string::npos) << error;
    error.clear();
    EXPECT_EQ(ParseBackfillFlags({"--backfill-workers", "1", fixed, "500"}, error).workers, 1);
    EXPECT_EQ(error, "");
  }
}

// Not given: kDefaultWorkers sessions where the table can be split
// (auto_workers), the fixed schedule excepted; given (even 1): exactly that.
TEST(CliEngineOptions, BackfillWorkersDefault) {
  std::string error;
  backfill::Options defaults = ParseBackfillFlags({}, error);
  EXPECT_EQ(defaults.workers, 1);
  EXPECT_EQ(defaults.auto_workers, backfill::kDefaultWorkers);
  EXPECT_EQ(backfill::kDefaultWorkers, 1);
  EXPECT_EQ(ParseBackfillFlags({"--backfill-workers", "1"}, error).auto_workers, 0);
  EXPECT_EQ(ParseBackfillFlags({"--backfill-workers", "3"}, error).auto_workers, 0);
  EXPECT_EQ(ParseBackfillFlags({"--backfill-batch-size", "500"}, error).auto_workers, 0);
  EXPECT_EQ(ParseBackfillFlags({"--backfill-batch-delay", "100"}, error).auto_workers, 0);
  EXPECT_EQ(error, "");
}

// --backfill-nice-ratio: 2 by default (figure 3, bench/README.md §3), any ratio
// from 0 (never yield) up.
TEST(CliEngineOptions, BackfillNiceRatioFlag) {
  std::string error;
  EXPECT_EQ(ParseBackfillFlags({}, error).nice_ratio, 2.0);
  EXPECT_EQ(ParseBackfillFlags({"--backfill-nice-ratio", "0"}, error).nice_ratio, 0.0);
  EXPECT_EQ(ParseBackfillFlags({"--backfill-nice-ratio", "2.5"}, error).nice_ratio, 2.5);
  EXPECT_EQ(error, "");
  // The fixed schedule keeps its exact pace: the ratio is adaptive mode's.
  backfill::Options fixed = ParseBackfillFlags({"--backfill-batch-size", "500"}, error);
  EXPECT_FALSE(fixed.adaptive);
  for (const char* bad : {"101", "x"}) {
    error.clear();
    ParseBackfillFlags({"--backfill-nice-ratio", bad}, error);
    EXPECT_NE(error.find("--backfill-nice-ratio"), std::string::npos) << bad << ": " << error;
  }
}

// Every command that backfills has the flag, and checks it before connecting.
TEST(CliEngineOptions, BackfillWorkersOnEveryBackfillingCommand) {
  std::vector<std::vector<std::string>> commands = {
      {"start", "m.yaml"},
      {"backfill"},
      {"migrate", "migrations"},
      {"fleet", "start", "m.yaml", "--targets", "targets.txt"}};
  for (auto args : commands) {
    args.insert(args.end(), {"--backfill-workers", "17"});
    ProcessRun run = RunBinary(args);
    EXPECT_NE(run.exit_code, 0) << args[0];
    EXPECT_NE(run.err.find("--backfill-workers 17: must be between 1 and 16"), std::string::npos)
        << args[0] << ": " << run.err;
  }
}

}  // namespace
}  // namespace zs::cli
