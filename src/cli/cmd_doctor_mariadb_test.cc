// `zeroshift doctor --url mariadb://...` through the binary: exit codes, text
// and JSON, --fix. What each finding means is tested in
// src/doctor/doctor_mariadb*_test.cc.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "backend/mariadb_backend.h"
#include "doctor/doctor.h"
#include "engine/mariadb_engine_test_util.h"
#include "mysql/connection.h"

namespace zs::cli {
namespace {

using engine::mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

TEST(CliDoctorMariadb, FindsFixesAndExitsAsOnPostgres) {
  MariadbSplit split;
  ASSERT_EQ(split.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  ProcessRun clean = split.Zeroshift({"doctor"});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;

  std::string stray = versions::MariadbVersionDatabaseName(split.database(), "01_gone", "");
  split.Run("CREATE DATABASE " + mysql::QuoteIdentifier(stray) + " COMMENT " +
            mysql::QuoteLiteral(versions::MariadbVersionComment(split.database())));
  split.Run("ALTER TABLE users ADD COLUMN _zs_left INT");
  ProcessRun found = split.Zeroshift({"doctor"});
  EXPECT_EQ(found.exit_code, 1) << found.err;
  EXPECT_NE(found.out.find("`" + stray + "`"), std::string::npos) << found.out;
  EXPECT_NE(found.out.find("`_zs_left`"), std::string::npos) << found.out;
  EXPECT_NE(found.err.find("2 half-applied objects left in schema \"" + split.database() + "\""),
            std::string::npos)
      << found.err;

  ProcessRun json = split.Zeroshift({"doctor", "--json"});
  EXPECT_EQ(json.exit_code, 1);
  nlohmann::json parsed = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << json.out;
  EXPECT_EQ(parsed["schema"], split.database());
  ASSERT_EQ(parsed["findings"].size(), 2u) << json.out;
  EXPECT_EQ(parsed["findings"][0]["kind"], doctor::kVersionSchema);
  EXPECT_EQ(parsed["findings"][1]["kind"], doctor::kTemporaryColumn);

  ProcessRun fix = split.Zeroshift({"doctor", "--fix"});
  EXPECT_EQ(fix.exit_code, 0) << fix.out << fix.err;
  ProcessRun again = split.Zeroshift({"doctor"});
  EXPECT_EQ(again.exit_code, 0) << again.out;
  EXPECT_EQ(split.Columns(), (std::vector<std::string>{"id", "name"}));
  EXPECT_TRUE(split.VersionDatabases().empty());
}

TEST(CliDoctorMariadb, ARunningCommandExitsThree) {
  MariadbSplit split;
  ASSERT_EQ(split.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  mysql::Connection holder = split.Connect();
  auto got =
      holder.Exec("SELECT GET_LOCK(" +
                  mysql::QuoteLiteral(backend::MariadbSchemaLockName(split.database())) + ", 0)");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ProcessRun busy = split.Zeroshift({"doctor"});
  EXPECT_EQ(busy.exit_code, 3) << busy.err;
  EXPECT_NE(busy.err.find("pid " + std::to_string(holder.ConnectionId()) + " "), std::string::npos)
      << busy.err;
}

}  // namespace
}  // namespace zs::cli
