// The lab's zeroshift side runs the backfill a user gets: the options
// `zeroshift start` builds from no backfill flag, through the same function
// (backfill::DefaultBackfillOptions). Fails when either side changes alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "backfill/defaults.h"
#include "cli/app.h"
#include "cli/engine_options.h"
#include "lab/scenario.h"
#include "lab/scenario_frame.h"

namespace zs::lab {
namespace {

// The backfill options `zeroshift start ARGS` hands the engine.
backfill::Options LabTestCliBackfill(std::vector<std::string> args) {
  CLI::App app;
  cli::BackfillFlags flags;
  cli::AddBackfillFlags(app, flags);
  std::reverse(args.begin(), args.end());
  app.parse(args);
  cli::GlobalOptions globals;
  globals.quiet = true;
  return cli::MakeEngineOptions(globals, cli::MakeBackfillOptions(flags, globals)).backfill;
}

TEST(LabBackfillOptions, AreZeroshiftStartsDefaults) {
  backfill::Options lab = LabBackfillOptions(0);
  EXPECT_EQ(backfill::BackfillOptionsJson(lab),
            backfill::BackfillOptionsJson(LabTestCliBackfill({})));
  // Not the library's fixed schedule (backfill::Options{}), which the lab ran before.
  EXPECT_TRUE(lab.adaptive);
  EXPECT_GT(lab.nice_ratio, 0);
  EXPECT_NE(backfill::BackfillOptionsJson(lab), backfill::BackfillOptionsJson({}));
}

TEST(LabBackfillOptions, BatchSizeIsTheCliFixedSchedule) {
  EXPECT_EQ(backfill::BackfillOptionsJson(LabBackfillOptions(700)),
            backfill::BackfillOptionsJson(LabTestCliBackfill({"--backfill-batch-size", "700"})));
  EXPECT_FALSE(LabBackfillOptions(700).adaptive);
}

TEST(LabBackfillOptions, TheReportSaysWhichRan) {
  Comparison comparison;
  comparison.setup = ComparisonSetup({.rows = 10}, "sampled");
  nlohmann::json setup = ReportJson(comparison)["setup"]["backfill"];
  EXPECT_EQ(setup["mode"], "adaptive");
  EXPECT_NE(setup["source"].get<std::string>().find("zeroshift start's defaults"),
            std::string::npos);
  EXPECT_NE(ReportTable(comparison).find("Backfill: adaptive"), std::string::npos)
      << ReportTable(comparison);
  comparison.setup = ComparisonSetup({.rows = 10, .backfill_batch_size = 500}, "sampled");
  EXPECT_EQ(ReportJson(comparison)["setup"]["backfill"]["mode"], "fixed");
  EXPECT_NE(ReportTable(comparison).find("Backfill: fixed, 500 rows per batch"), std::string::npos)
      << ReportTable(comparison);
}

}  // namespace
}  // namespace zs::lab
