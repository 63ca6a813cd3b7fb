// The lab end to end on a small table: the headless comparison's report
// (structure and outcomes: the naive script fails v1 clients and stalls them,
// expand-contract has no error and full uptime), and the interactive Session
// stepped through all five steps, rolled back, and the naive script.
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <thread>

#include "lab/chart.h"
#include "lab/scenario.h"
#include "lab/session.h"
#include "lab/session_test_util.h"
#include "pg/connection.h"
#include "testing/shared_cluster.h"
#include "testing/test_paths.h"

namespace zs::lab {
namespace {

using nlohmann::json;

const std::string kMigrationFile =
    std::string(zs::testing::SourceDir()) + "/examples/02_split_name.yaml";

TEST(LabComparison, NaiveFailsAndStallsWhileExpandContractStaysUp) {
  ScenarioOptions options{.admin_conninfo = testing::SharedCluster().Url(),
                          .database_prefix = "zs_lab_test",
                          .rows = 20000,
                          .clients = 4,
                          .rate = 200,
                          .before_s = 1.5,
                          .settle_s = 1.5,
                          .after_s = 2,
                          .migration_file = kMigrationFile};
  auto comparison = RunComparison(options);
  ASSERT_TRUE(comparison.ok()) << comparison.status().ToString();
  json report = ReportJson(*comparison);
  std::cout << ReportTable(*comparison);

  // Structure.
  for (const char* key : {"rows", "clients", "rate", "postgres_version", "machine_cores",
                          "lock_wait_method", "client_timeout_ms"}) {
    EXPECT_TRUE(report["setup"].contains(key)) << key;
  }
  EXPECT_EQ(report["setup"]["rows"], 20000);
  ASSERT_EQ(report["scenarios"].size(), 2u);
  for (const json& s : report["scenarios"]) {
    for (const char* key : {"name", "requests", "errors", "uptime_percent", "p50_ms", "p99_ms",
                            "max_ms", "longest_stall_ms", "duration_s", "steps", "series"}) {
      EXPECT_TRUE(s.contains(key)) << s.value("name", "?") << " lacks " << key;
    }
    EXPECT_GT(s["requests"].get<long long>(), 500) << s["name"];
    for (const json& step : s["steps"]) {
      for (const char* key : {"name", "start_s", "duration_ms", "lock_wait_ms"}) {
        EXPECT_TRUE(step.contains(key)) << step.dump();
      }
      EXPECT_GE(step["start_s"].get<double>(), options.before_s - 0.1) << step.dump();
      EXPECT_GE(step["duration_ms"].get<double>(), 0) << step.dump();
    }
    EXPECT_EQ(s["series"].size(), s["windows"].get<size_t>());
  }
  const json& naive = report["scenarios"][0];
  const json& ec = report["scenarios"][1];
  EXPECT_EQ(naive["name"], "naive");
  EXPECT_EQ(ec["name"], "expand-contract");
  std::vector<std::string> naive_steps, ec_steps;
  for (const json& step : naive["steps"]) naive_steps.push_back(step["name"]);
  for (const json& step : ec["steps"]) ec_steps.push_back(step["name"]);
  EXPECT_EQ(naive_steps, (std::vector<std::string>{"ADD COLUMN first_name", "ADD COLUMN last_name",
                                                   "UPDATE first_name", "UPDATE last_name",
                                                   "DROP COLUMN name", "COMMIT"}));
  EXPECT_EQ(naive["steps"][2]["sql"], "UPDATE users SET first_name = split_part(name, ' ', 1);");
  EXPECT_EQ(ec_steps, (std::vector<std::string>{"expand", "dual_write", "backfill", "shift_reads",
                                                "contract"}));

  // Outcomes. Expand-contract: nothing failed, every second up.
  EXPECT_EQ(ec["errors"], 0) << ec["errors_by_message"].dump();
  EXPECT_EQ(ec["uptime_percent"], 100.0);
  // Naive: every v1 request after the DROP fails, and the clients waited
  // behind the transaction's lock for as long as its two UPDATEs ran.
  EXPECT_GT(naive["errors"].get<long long>(), 100);
  EXPECT_LT(naive["uptime_percent"].get<double>(), 100.0);
  bool dropped_column_error = false;
  for (const auto& [message, count] : naive["errors_by_message"].items()) {
    if (message.find("column \"name\" does not exist") != std::string::npos) {
      dropped_column_error = true;
    }
  }
  EXPECT_TRUE(dropped_column_error) << naive["errors_by_message"].dump();
  double updates_ms = naive["steps"][2]["duration_ms"].get<double>() +
                      naive["steps"][3]["duration_ms"].get<double>();
  EXPECT_GE(naive["longest_stall_ms"].get<double>(), 0.8 * updates_ms);
  EXPECT_GT(naive["longest_stall_ms"].get<double>(), 20 * naive["p50_ms"].get<double>());
  EXPECT_GE(naive["steps"][2]["max_request_ms"].get<double>(), 0.5 * updates_ms);

  std::string svg = RenderLatencyChart(ReportChart(*comparison), 2000);
  EXPECT_NE(svg.find("naive"), std::string::npos);
  EXPECT_NE(svg.find("expand-contract"), std::string::npos);
}

using test_util::Columns;
using test_util::IdleAt;
using test_util::WaitFor;

std::unique_ptr<Session> MakeSession() {
  auto session = Session::Create({.postgres_url = testing::SharedCluster().Url(),
                                  .rows = 5000,
                                  .clients = 2,
                                  .rate = 100,
                                  .migration_file = kMigrationFile});
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) std::abort();
  return std::move(session).value();
}

// Pointed at a real server, the lab once dropped a database of the user's
// named zeroshift_lab WITH (FORCE). It now works in databases of its own
// (random suffix, marked with a comment) and drops only those.
TEST(LabSession, LeavesADatabaseNamedLikeItsOwnAlone) {
  const std::string admin_url = testing::SharedCluster().Url();
  auto admin = pg::Connection::Open(admin_url);
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  ASSERT_TRUE(admin->Run("DROP DATABASE IF EXISTS zeroshift_lab WITH (FORCE)").ok());
  ASSERT_TRUE(admin->Run("CREATE DATABASE zeroshift_lab").ok());
  auto count_lab_databases = [&] {
    return admin->Exec("SELECT count(*) FROM pg_database WHERE datname LIKE 'zeroshift\\_lab\\_%'")
        ->GetInt(0, 0);
  };
  long long before = count_lab_databases();
  {
    auto session = MakeSession();
    EXPECT_EQ(count_lab_databases(), before + 1) << "the session works in a database of its own";
    ASSERT_TRUE(session->Reset().ok());  // drops and recreates its own database
    WaitFor(*session, IdleAt("v1"));
  }
  EXPECT_EQ(count_lab_databases(), before) << "the session drops its own database at the end";
  EXPECT_EQ(
      admin->Exec("SELECT count(*) FROM pg_database WHERE datname = 'zeroshift_lab'")->GetInt(0, 0),
      1)
      << "the lab dropped the user's database";
  ASSERT_TRUE(admin->Run("DROP DATABASE zeroshift_lab").ok());
}

TEST(LabSession, StepsThroughAllFiveStepsWithoutAnError) {
  auto session = MakeSession();
  json s = WaitFor(*session, [](const json& s) {
    return !s["rows"].empty() && s["stats"].is_object() && s["stats"]["requests"] > 20;
  });
  EXPECT_EQ(s["step"], "v1");
  EXPECT_EQ(Columns(s), (std::set<std::string>{"id", "name", "email", "created_at"}));
  EXPECT_EQ(s["steps"].size(), 5u);
  EXPECT_EQ(s["steps"][0]["state"], "pending");
  EXPECT_EQ(s["stats"]["client_version"], "v1");
  EXPECT_FALSE(s["log"].empty());

  ASSERT_TRUE(session->Next().ok());
  s = WaitFor(*session, IdleAt("expand"));
  EXPECT_EQ(s["steps"][0]["state"], "done");
  EXPECT_TRUE(s["steps"][0]["duration_ms"].is_number());
  EXPECT_EQ(s["steps"][1]["state"], "pending");
  // The engine's own lines (and the DDL runner's notices, through the same
  // callback) stay in the event log among the requests.
  s = WaitFor(*session, [](const json& s) {
    for (const json& line : s["log"]) {
      if (line["text"].get<std::string>().rfind("zeroshift: starting \"02_split_name\"", 0) == 0)
        return true;
    }
    return false;
  });
  EXPECT_EQ(s["database"], "PostgreSQL");
  s = WaitFor(*session, [](const json& s) { return Columns(s).count("first_name") == 1; });
  EXPECT_EQ(Columns(s).count("name"), 1u);
  EXPECT_TRUE(s["rows"][0][4].is_null()) << s["rows"][0].dump();  // not backfilled yet

  ASSERT_TRUE(session->Next().ok());
  s = WaitFor(*session, IdleAt("dual_write"));
  EXPECT_EQ(session->Next().code() == Code::kOk, true);  // backfill
  EXPECT_EQ(session->Next().code(), Code::kConflict);    // one step at a time
  s = WaitFor(*session, IdleAt("backfill"));
  EXPECT_TRUE(s["backfill"].is_object());
  EXPECT_EQ(s["backfill"]["rows_done"].get<long long>() >= 5000, true) << s["backfill"].dump();
  s = WaitFor(*session, [](const json& s) {
    return !s["rows"].empty() && s["rows"][0].size() == 6 && s["rows"][0][4].is_string();
  });
  EXPECT_FALSE(s["version_schema"].get<std::string>().empty());

  ASSERT_TRUE(session->Next().ok());
  s = WaitFor(*session, IdleAt("shift_reads"));
  s = WaitFor(*session, [](const json& s) { return s["stats"]["client_version"] == "v2"; });
  std::this_thread::sleep_for(std::chrono::milliseconds(800));

  ASSERT_TRUE(session->Next().ok());
  s = WaitFor(*session, IdleAt("contract"));
  s = WaitFor(*session, [](const json& s) { return Columns(s).count("name") == 0; });
  EXPECT_EQ(Columns(s),
            (std::set<std::string>{"id", "email", "created_at", "first_name", "last_name"}));
  for (const json& step : s["steps"]) EXPECT_EQ(step["state"], "done") << step.dump();
  EXPECT_EQ(session->Next().code(), Code::kConflict);
  EXPECT_TRUE(s["error"].is_null()) << s["error"];
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  s = session->Snapshot();
  EXPECT_EQ(s["stats"]["errors"], 0) << s["log"].dump(1);
  EXPECT_EQ(s["stats"]["uptime_percent"], 100.0) << s["latency"].dump();
  EXPECT_GT(s["stats"]["requests"].get<long long>(), 200);
}

TEST(LabSession, RollsBackFromThePauseAndRunsTheNaiveScript) {
  auto session = MakeSession();
  ASSERT_TRUE(session->Next().ok());
  json s = WaitFor(*session, IdleAt("expand"));
  ASSERT_TRUE(session->Rollback().ok());  // start finishes its phases, then rollback
  s = WaitFor(*session, [](const json& s) {
    return !s["busy"].get<bool>() && s["step"] == "v1" && Columns(s).count("first_name") == 0 &&
           !s["columns"].empty();
  });
  EXPECT_TRUE(s["error"].is_null()) << s["error"];
  EXPECT_EQ(s["steps"][0]["state"], "pending");
  EXPECT_EQ(s["stats"]["errors"], 0);

  ASSERT_TRUE(session->RunNaive().ok());
  s = WaitFor(*session, [](const json& s) {
    return !s["busy"].get<bool>() && s["mode"] == "naive" && s["naive_steps"].size() == 6;
  });
  EXPECT_TRUE(s["error"].is_null()) << s["error"];
  s = WaitFor(*session, [](const json& s) { return s["stats"]["errors"] > 0; });
  EXPECT_EQ(session->Next().code(), Code::kConflict);
  ASSERT_TRUE(session->Reset().ok());
  s = WaitFor(*session, [](const json& s) {
    return !s["busy"].get<bool>() && s["mode"] == "expand_contract" &&
           Columns(s).count("name") == 1 && s["stats"]["errors"] == 0;
  });
}

}  // namespace
}  // namespace zs::lab
