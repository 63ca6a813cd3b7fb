// pt-online-schema-change driven against the lab's MariaDB table under the
// lab's load (skipped when percona-toolkit is not installed).
#include "lab/mariadb_peer.h"

#include <gtest/gtest.h>

#include "mysql/connection.h"
#include "testing/shared_mariadb.h"

namespace zs::lab {
namespace {

TEST(MariadbLabPeer, PtOscCommandCarriesTheUrlAsADsn) {
  Result<std::vector<std::string>> command =
      PtOscCommand("mariadb://app:secret@db.example:3307/shop", "users", "MODIFY visits BIGINT",
                   0.5, "pt-online-schema-change");
  ASSERT_TRUE(command.ok()) << command.status().ToString();
  EXPECT_EQ(*command,
            (std::vector<std::string>{"pt-online-schema-change", "--alter", "MODIFY visits BIGINT",
                                      "--execute", "--recursion-method=none", "--chunk-time=0.5",
                                      "D=shop,t=users,u=app,p=secret,h=db.example,P=3307"}));
  Result<std::vector<std::string>> bad =
      PtOscCommand("mariadb://a%2Cb@h/shop", "users", "x", 0.5, "pt-online-schema-change");
  EXPECT_EQ(bad.status().code(), Code::kInvalidInput);
  EXPECT_EQ(bad.status().message().find("a,b"), std::string::npos);  // never echoes the value
}

TEST(MariadbLabPeer, PtOscWidensVisitsUnderTheLabsLoad) {
  std::string url = testing::FreshMariadbDatabaseUrl();
  PtOscOptions options{.url = url, .rows = 5000, .before_s = 0.3, .after_s = 0.3};
  Result<ScenarioResult> result = RunPtOscScenario(options);
  if (!result.ok() && result.status().code() == Code::kNotFound) {
    GTEST_SKIP() << result.status().ToString();
  }
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->steps.size(), 1u);
  EXPECT_GT(result->steps[0].duration_ms, 0);
  EXPECT_GT(result->summary.requests, 0);
  std::printf("pt-osc: %.0f ms, %lld requests, %lld errors, max %.1f ms, p99 %.1f ms\n",
              result->steps[0].duration_ms, result->summary.requests, result->summary.errors,
              result->summary.max_ms, result->summary.p99_ms);
  Result<mysql::Connection> conn = mysql::Connection::Open(url);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  Result<mysql::Rows> type = conn->Exec(
      "SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
      "TABLE_NAME = 'users' AND COLUMN_NAME = 'visits'");
  ASSERT_TRUE(type.ok()) << type.status().ToString();
  ASSERT_EQ(type->size(), 1);
  EXPECT_EQ(type->Get(0, 0), "bigint");
  Result<mysql::Rows> rows = conn->Exec("SELECT COUNT(*) >= 5000 FROM users");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Get(0, 0), "1");
}

}  // namespace
}  // namespace zs::lab
