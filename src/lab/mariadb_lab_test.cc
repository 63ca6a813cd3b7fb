// The lab's MariaDB half against a real throwaway MariaDB: the seed's table
// loaded fast, the client workload (requests, error classes, timeouts, lock
// waits seen by the sampler's probe), and the seed's naive script under load.
// No wall-clock assertions: where a lock wait must happen, the test makes it
// happen by holding a row lock until a client is seen waiting.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "lab/mariadb_lab_test_util.h"
#include "lab/mariadb_scenario.h"
#include "lab/mariadb_users_table.h"
#include "lab/workload.h"
#include "mysql/connection.h"
#include "testing/shared_mariadb.h"

namespace zs::lab {
namespace {

using mariadb_lab_test::EventuallyTrue;
using mariadb_lab_test::HoldLastRowDuringUpdate;
using mariadb_lab_test::LoadedMariadb;
using mariadb_lab_test::OpenMariadb;
using mariadb_lab_test::RowLockWaiters;
using mariadb_lab_test::SleepMs;

using std::chrono::milliseconds;

TEST(MariadbLabUsers, LoadsTheSeedTableWithNamesAndVisits) {
  std::string url = testing::FreshMariadbDatabaseUrl();
  mysql::Connection conn = OpenMariadb(url);
  const long long rows = 50000;
  long long last_progress = 0;
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(MariadbLoadUsers(conn, rows, [&](long long loaded) { last_progress = loaded; }).ok());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("loaded %lld rows in %.3f s: %.0f rows/s\n", rows, seconds, rows / seconds);
  EXPECT_EQ(last_progress, rows);
  Result<mysql::Rows> count = conn.Exec("SELECT COUNT(*), MIN(id), MAX(id) FROM users");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(count->GetInt(0, 0), rows);
  EXPECT_EQ(count->GetInt(0, 1), 1);
  EXPECT_EQ(count->GetInt(0, 2), rows);
  Result<mysql::Rows> row = conn.Exec("SELECT name, visits FROM users WHERE id = 17");
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(row->Get(0, 0), "Bob Jones");  // names[17 % 16], surnames[(17 / 16) % 16]
  EXPECT_EQ(row->GetInt(0, 1), 17);
  // The next insert continues after the loaded ids.
  ASSERT_TRUE(conn.Run("INSERT INTO users (name) VALUES ('Carol Lee')").ok());
  EXPECT_EQ(static_cast<long long>(mysql_insert_id(conn.raw())), rows + 1);
  // The lab never replaces a table.
  Status again = MariadbLoadUsers(conn, 10);
  EXPECT_EQ(mysql::ErrorNumber(again), mysql::errors::kTableExists) << again.ToString();
}

TEST(MariadbLabWorkload, RunsTheMixAndRecordsEachRequest) {
  std::string url = LoadedMariadb(1000);
  Workload workload({.conninfo = url,
                     .clients = 3,
                     .rate = 300,
                     .id_range = 1000,
                     .backend = backend::Kind::kMariadb});
  workload.Start();
  ASSERT_TRUE(EventuallyTrue([&] { return workload.Records().size() >= 100; }));
  EXPECT_EQ(workload.ClientSessionIds().size(), 3u);
  workload.Stop();
  std::vector<RequestRecord> records = workload.Records();
  for (const auto& r : records) EXPECT_TRUE(r.ok);
  auto count = [&](RequestKind kind) {
    return std::count_if(records.begin(), records.end(),
                         [kind](const RequestRecord& r) { return r.kind == kind; });
  };
  EXPECT_GT(count(RequestKind::kRead), 0);
  EXPECT_TRUE(workload.ErrorCounts().empty());
  bool found = false;
  for (const auto& line : workload.RecentLog(1000)) {
    if (line.text.find("READ id=") != std::string::npos &&
        line.text.find(" in v1 (") != std::string::npos) {
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(MariadbLabWorkload, AWriterBehindARowLockWaitsThenTimesOut) {
  std::string url = LoadedMariadb(10);
  Workload workload({.conninfo = url,
                     .clients = 1,
                     .rate = 50,
                     .id_range = 1,
                     .timeout = milliseconds(1500),
                     .read_percent = 0,
                     .update_percent = 100,
                     .backend = backend::Kind::kMariadb});
  mysql::Connection locker = OpenMariadb(url);
  ASSERT_TRUE(locker.Run("BEGIN").ok());
  ASSERT_TRUE(locker.Run("SELECT id FROM users WHERE id = 1 FOR UPDATE").ok());
  workload.Start();
  mysql::Connection watcher = OpenMariadb(url);
  // INNODB_TRX is refilled only after 100 ms without a reader: poll it slower.
  ASSERT_TRUE(EventuallyTrue([&] {
    SleepMs(150);
    return RowLockWaiters(watcher) >= 1;
  }));
  // The lock stays held until the client's request is cut off by max_statement_time.
  ASSERT_TRUE(EventuallyTrue([&] {
    std::vector<RequestRecord> records = workload.Records();
    return std::any_of(records.begin(), records.end(),
                       [](const RequestRecord& r) { return r.timed_out; });
  }));
  ASSERT_TRUE(locker.Run("ROLLBACK").ok());
  ASSERT_TRUE(EventuallyTrue([&] {
    std::vector<RequestRecord> records = workload.Records();
    return std::any_of(records.begin(), records.end(), [](const RequestRecord& r) { return r.ok; });
  }));
  workload.Stop();
  EXPECT_GE(workload.ErrorClassCounts()[backend::ErrorClass::kStatementTimeout], 1);
  for (const auto& r : workload.Records()) {
    if (!r.ok) {
      EXPECT_EQ(r.error_class, backend::ErrorClass::kStatementTimeout);
    }
  }
}

TEST(MariadbLabScenario, NaiveScriptStallsWritersThenBreaksV1Clients) {
  const long long rows = 2000;
  std::string url = testing::FreshMariadbDatabaseUrl();
  HoldLastRowDuringUpdate hold(url, rows);
  MariadbScenarioOptions options{
      .url = url,
      .rows = rows,
      .clients = 4,
      .rate = 200,
      .client_timeout = milliseconds(20000),
      .before_s = 0.5,
      .after_s = 0.5,
      .on_step = [&](const StepResult& step, bool finished) { hold.OnStep(step, finished); }};
  Result<ScenarioResult> result = RunMariadbNaiveScenario(options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_TRUE(hold.saw_client_wait());

  std::vector<std::string> names;
  for (const StepResult& step : result->steps) names.push_back(step.name);
  EXPECT_EQ(names, (std::vector<std::string>{"ADD COLUMN first_name", "ADD COLUMN last_name",
                                             "UPDATE first_name, last_name", "DROP COLUMN name",
                                             "COMMIT"}));
  const StepResult& update = result->steps[2];
  const StepResult& drop = result->steps[3];
  // Writers waited for the UPDATE's row locks while it ran.
  EXPECT_GT(update.lock_wait_ms, 0);
  EXPECT_GT(update.max_lock_wait_ms, 0);
  EXPECT_GT(update.max_request_ms, 0);

  // Once `name` is gone, every v1 request fails with 1054 (class "undefined column").
  EXPECT_GT(result->errors_by_class["undefined column"], 0);
  EXPECT_GT(result->summary.errors, 0);
  bool message_names_the_column = false;
  for (const auto& [message, count] : result->errors_by_message) {
    if (message.find("Unknown column") != std::string::npos &&
        message.find("name") != std::string::npos) {
      message_names_the_column = true;
    }
  }
  EXPECT_TRUE(message_names_the_column);
  // Nothing failed before the DROP began; reads were never refused before it.
  // (Records are not reachable here: the scenario's per-second series stands in.)
  for (const SecondStats& second : result->summary.seconds) {
    if (second.t + 1 <= drop.start_s) {
      EXPECT_EQ(second.errors, 0) << "second " << second.t;
    }
  }
}

}  // namespace
}  // namespace zs::lab
