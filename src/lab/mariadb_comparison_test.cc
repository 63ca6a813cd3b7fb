// The headless lab on MariaDB (`zeroshift lab --db mariadb --headless`) on a
// small table against the shared throwaway MariaDB: zeroshift's five steps
// with no failed request, the naive script's measured stall and v1 failures,
// and notes that say what this run measured. The stall is made certain by
// holding the UPDATE's last row until a client is seen waiting (no timing
// assertion). MariadbLabNotes checks that the notes follow the figures.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "lab/mariadb_comparison.h"
#include "lab/mariadb_lab_test_util.h"
#include "testing/shared_mariadb.h"
#include "testing/test_paths.h"

namespace zs::lab {
namespace {

using mariadb_lab_test::HoldLastRowDuringUpdate;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Whether one of `notes` contains `part`.
bool AnyNote(const std::vector<std::string>& notes, const std::string& part) {
  for (const std::string& note : notes) {
    if (Contains(note, part)) return true;
  }
  return false;
}

TEST(MariadbLabComparison, FiveStepsWithoutErrorsAgainstTheNaiveScriptsStall) {
  const long long rows = 2000;
  const std::string naive_url = testing::FreshMariadbDatabaseUrl();
  HoldLastRowDuringUpdate hold(naive_url, rows);
  MariadbComparisonOptions options{
      .scenario = {.rows = rows,
                   .clients = 4,
                   .rate = 200,
                   .client_timeout = std::chrono::milliseconds(20000),
                   .before_s = 0.5,
                   .settle_s = 0.5,
                   .after_s = 0.5,
                   .migration_file = std::string(zs::testing::SourceDir()) +
                                     "/examples/mariadb/02_split_name.yaml",
                   .on_step = [&](const StepResult& step,
                                  bool finished) { hold.OnStep(step, finished); }},
      .fresh_database = [&](const std::string& scenario) -> Result<std::string> {
        return scenario == "naive" ? naive_url : testing::FreshMariadbDatabaseUrl();
      }};
  Result<Comparison> comparison = RunMariadbComparison(options);
  ASSERT_TRUE(comparison.ok()) << comparison.status().ToString();
  ASSERT_TRUE(hold.saw_client_wait());
  EXPECT_EQ(comparison->setup["database"], "MariaDB");
  ASSERT_EQ(comparison->scenarios.size(), 2u);
  const ScenarioResult& naive = comparison->scenarios[0];
  const ScenarioResult& expand_contract = comparison->scenarios[1];

  // zeroshift: the five steps, every one measured, and no request failed.
  std::vector<std::string> names;
  for (const StepResult& step : expand_contract.steps) names.push_back(step.name);
  EXPECT_EQ(names, (std::vector<std::string>{"expand", "dual_write", "backfill", "shift_reads",
                                             "contract"}));
  for (const StepResult& step : expand_contract.steps) EXPECT_GT(step.duration_ms, 0) << step.name;
  EXPECT_GT(expand_contract.summary.requests, 0);
  EXPECT_EQ(expand_contract.summary.errors, 0);
  EXPECT_TRUE(expand_contract.errors_by_class.empty());
  EXPECT_TRUE(expand_contract.errors_by_message.empty());

  // The naive script: writers waited for the UPDATE's row locks, v1 failed after the DROP.
  ASSERT_EQ(naive.steps.size(), 5u);
  const StepResult& update = naive.steps[2];
  EXPECT_GT(update.lock_wait_ms, 0);
  EXPECT_GT(update.max_write_ms, 0);
  EXPECT_GT(naive.summary.errors, 0);
  long long undefined = naive.errors_by_class.at("undefined column");
  EXPECT_GT(undefined, 0);

  // The notes quote this run's figures (an ADD COLUMN note comes only when
  // clients were seen waiting during it, which this run does not arrange).
  const std::vector<std::string>& notes = comparison->notes;
  ASSERT_GE(notes.size(), 4u);
  EXPECT_TRUE(Contains(
      notes[0], fmt::format("clients spent {:.0f} ms waiting for locks", update.lock_wait_ms)))
      << notes[0];
  EXPECT_TRUE(AnyNote(notes, "DROP COLUMN name took"));
  EXPECT_TRUE(AnyNote(notes, fmt::format("{} of them because a column was unknown", undefined)));
  EXPECT_TRUE(Contains(notes.back(), fmt::format("zeroshift's five steps: 0 of {} requests failed,",
                                                 expand_contract.summary.requests)))
      << notes.back();
  nlohmann::json report = ReportJson(*comparison);
  EXPECT_EQ(report["notes"].size(), notes.size());
  EXPECT_EQ(report["scenarios"][1]["errors"], 0);
}

Comparison SyntheticRun(double update_lock_wait_ms, double max_read_ms, double max_write_ms,
                        double drop_lock_wait_ms) {
  ScenarioResult naive{.name = "naive"};
  naive.steps = {
      {.name = "UPDATE first_name, last_name",
       .start_s = 1,
       .duration_ms = 900,
       .lock_wait_ms = update_lock_wait_ms,
       .max_read_ms = max_read_ms,
       .max_write_ms = max_write_ms},
      {.name = "DROP COLUMN name",
       .start_s = 2,
       .duration_ms = 5,
       .lock_wait_ms = drop_lock_wait_ms},
  };
  naive.summary.duration_s = 4;
  naive.summary.errors = 30;
  naive.summary.seconds = {{.t = 0}, {.t = 1}, {.t = 2, .errors = 10}, {.t = 3, .errors = 20}};
  naive.errors_by_class["undefined column"] = 30;
  ScenarioResult expand_contract{.name = "expand-contract"};
  expand_contract.summary.requests = 100;
  expand_contract.steps = {{.name = "backfill", .lock_wait_ms = 12, .max_request_ms = 40}};
  Comparison comparison{.setup = {{"rows", 500}}, .scenarios = {naive, expand_contract}};
  return comparison;
}

TEST(MariadbLabNotes, FollowTheFiguresOfTheRun) {
  // Writes waited and reads did not: row locks, said so.
  std::vector<std::string> notes = MariadbOutageNotes(SyntheticRun(700, 3, 650, 0));
  ASSERT_EQ(notes.size(), 4u);
  EXPECT_TRUE(Contains(notes[0], "UPDATE first_name, last_name of 500 rows took 900 ms"))
      << notes[0];
  EXPECT_TRUE(Contains(notes[0], "reads by id were answered")) << notes[0];
  EXPECT_TRUE(Contains(notes[1], "no client was seen waiting for its exclusive metadata lock"))
      << notes[1];
  EXPECT_TRUE(Contains(notes[2], "0 requests failed before DROP COLUMN name (t = 2.0 s) and 30"))
      << notes[2];
  EXPECT_TRUE(Contains(notes[2], "until the run ended")) << notes[2];
  EXPECT_TRUE(Contains(notes[3], "0 of 100 requests failed")) << notes[3];
  EXPECT_TRUE(Contains(notes[3], "12 ms (backfill)")) << notes[3];

  // Nobody waited: the notes do not claim a stall.
  notes = MariadbOutageNotes(SyntheticRun(0, 3, 4, 0));
  EXPECT_TRUE(Contains(notes[0], "No client was seen waiting for its row locks")) << notes[0];
  EXPECT_FALSE(Contains(notes[0], "Writes waited")) << notes[0];

  // Reads were as slow as writes: no claim that reads stayed up.
  notes = MariadbOutageNotes(SyntheticRun(700, 600, 650, 0));
  EXPECT_FALSE(Contains(notes[0], "reads by id were answered")) << notes[0];

  // Clients waiting during an ADD COLUMN get a note of their own, only then.
  Comparison with_add = SyntheticRun(0, 3, 4, 0);
  with_add.scenarios[0].steps.insert(
      with_add.scenarios[0].steps.begin(),
      {.name = "ADD COLUMN first_name", .start_s = 0.5, .duration_ms = 80, .lock_wait_ms = 177});
  notes = MariadbOutageNotes(with_add);
  EXPECT_EQ(notes.size(), 5u);
  EXPECT_TRUE(AnyNote(notes, "While ADD COLUMN first_name ran (80.0 ms), clients spent 177 ms"));
  EXPECT_EQ(MariadbOutageNotes(SyntheticRun(0, 3, 4, 0)).size(), 4u);

  // Errors that stopped before the end are not called a lasting outage.
  Comparison recovered = SyntheticRun(0, 3, 4, 0);
  recovered.scenarios[0].summary.duration_s = 8;
  notes = MariadbOutageNotes(recovered);
  EXPECT_TRUE(AnyNote(notes, "the last of them in the second ending at t = 4 s"));
  EXPECT_FALSE(AnyNote(notes, "did not end with the script"));

  // A queue behind DROP COLUMN's metadata lock is reported as such.
  notes = MariadbOutageNotes(SyntheticRun(0, 3, 4, 250));
  EXPECT_TRUE(Contains(notes[1], "requests queued behind its exclusive metadata lock")) << notes[1];
}

}  // namespace
}  // namespace zs::lab
