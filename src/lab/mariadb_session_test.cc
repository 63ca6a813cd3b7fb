// The interactive lab (`zeroshift lab --db mariadb --serve`) on its own
// throwaway MariaDB with a small table: the five steps one at a time with v1
// and then v2 clients and no failed request, the table's shape after each,
// then the naive script (v1 clients fail once name is dropped) and a reset.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <thread>

#include "lab/session.h"
#include "lab/session_test_util.h"
#include "testing/test_paths.h"

namespace zs::lab {
namespace {

using nlohmann::json;

using test_util::Columns;
using test_util::IdleAt;

// test_util::WaitFor with the minute this suite has always given MariaDB.
json MariadbWaitFor(const Session& session, const std::function<bool(const json&)>& done) {
  return test_util::WaitFor(session, done, 60);
}

TEST(MariadbLabSession, StepsThroughFiveStepsThenTheNaiveScriptBreaksV1) {
  auto created = Session::Create({.database = backend::Kind::kMariadb,
                                  .rows = 2000,
                                  .clients = 2,
                                  .rate = 100,
                                  .migration_file = std::string(zs::testing::SourceDir()) +
                                                    "/examples/mariadb/02_split_name.yaml"});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::unique_ptr<Session> session = std::move(created).value();
  json s = MariadbWaitFor(*session, [](const json& s) {
    return !s["rows"].empty() && s["stats"].is_object() && s["stats"]["requests"] > 20;
  });
  EXPECT_EQ(s["database"], "MariaDB");
  EXPECT_EQ(s["locks_source"], "PROCESSLIST and INNODB_TRX");
  EXPECT_EQ(s["step"], "v1");
  EXPECT_EQ(Columns(s), (std::set<std::string>{"id", "name", "visits"}));
  EXPECT_NE(s["steps"][3]["explain"].get<std::string>().find("@zeroshift_version"),
            std::string::npos);

  for (const char* step : {"expand", "dual_write", "backfill"}) {
    ASSERT_TRUE(session->Next().ok()) << step;
    s = MariadbWaitFor(*session, IdleAt(step));
    EXPECT_TRUE(s["error"].is_null()) << step << ": " << s["error"];
  }
  s = MariadbWaitFor(*session, [](const json& s) {
    return Columns(s).count("first_name") == 1 && !s["rows"].empty() &&
           s["rows"][0].back().is_string();
  });
  EXPECT_EQ(Columns(s), (std::set<std::string>{"id", "name", "visits", "first_name", "last_name"}));
  EXPECT_EQ(s["version_schema"], "zeroshift_lab_02_split_name");

  ASSERT_TRUE(session->Next().ok());
  s = MariadbWaitFor(*session, IdleAt("shift_reads"));
  s = MariadbWaitFor(*session, [](const json& s) { return s["stats"]["client_version"] == "v2"; });
  // v2 clients write through the version database: their requests succeed.
  long long requests_at_shift = s["stats"]["requests"].get<long long>();
  s = MariadbWaitFor(*session, [requests_at_shift](const json& s) {
    return s["stats"]["requests"].get<long long>() > requests_at_shift + 20;
  });

  ASSERT_TRUE(session->Next().ok());
  s = MariadbWaitFor(*session, IdleAt("contract"));
  s = MariadbWaitFor(*session, [](const json& s) { return Columns(s).count("name") == 0; });
  EXPECT_EQ(Columns(s), (std::set<std::string>{"id", "visits", "first_name", "last_name"}));
  for (const json& step : s["steps"]) EXPECT_EQ(step["state"], "done") << step.dump();
  EXPECT_TRUE(s["error"].is_null()) << s["error"];
  s = session->Snapshot();
  EXPECT_EQ(s["stats"]["errors"], 0) << s["log"].dump(1);

  // The naive script on a fresh table: v1 clients fail once name is dropped.
  ASSERT_TRUE(session->RunNaive().ok());
  s = MariadbWaitFor(*session, [](const json& s) {
    return !s["busy"].get<bool>() && s["mode"] == "naive" && s["naive_steps"].size() == 5;
  });
  EXPECT_TRUE(s["error"].is_null()) << s["error"];
  s = MariadbWaitFor(*session, [](const json& s) { return s["stats"]["errors"] > 0; });
  bool unknown_column = false;
  for (const json& line : s["log"]) {
    if (line["text"].get<std::string>().find("Unknown column") != std::string::npos) {
      unknown_column = true;
    }
  }
  EXPECT_TRUE(unknown_column) << s["log"].dump(1);

  ASSERT_TRUE(session->Reset().ok());
  s = MariadbWaitFor(*session, [](const json& s) {
    return !s["busy"].get<bool>() && s["mode"] == "expand_contract" &&
           Columns(s).count("name") == 1 && Columns(s).count("first_name") == 0 &&
           s["stats"]["errors"] == 0;
  });
}

}  // namespace
}  // namespace zs::lab
