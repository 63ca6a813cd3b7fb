// `zeroshift status` checks the active migration's record against the catalog
// (state/postgres_consistency.h): after a failover the two always agree (the
// failover suites check that status says nothing of it there); when something
// else broke them apart, status names what is missing and says what to do,
// and the rollback it suggests works.
#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "engine/failover_test_util.h"
#include "testing/catalog_dump.h"
#include "testing/shared_cluster.h"

namespace zs::engine::failover {
namespace {

using zs::testing::CatalogDump;
using zs::testing::MustRun;
using zs::testing::Open;

constexpr const char* kDisagree = "the state and the catalog disagree";

class FailoverConsistencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    conn_ = std::make_unique<pg::Connection>(Open(url_));
    MustRun(*conn_,
            "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);"
            "INSERT INTO users (name) SELECT 'First' || i || ' Last' || i "
            "FROM generate_series(1, 50) i");
    ASSERT_EQ(Zeroshift(url_, {"init"}).exit_code, 0);
    before_start_ = CatalogDump(*conn_);
    ProcessRun start = Zeroshift(url_, StartArgs(file_));
    ASSERT_EQ(start.exit_code, 0) << start.err;
  }

  std::string Next() {
    nlohmann::json status = StatusJson(url_);
    EXPECT_TRUE(status["active"].is_object()) << status.dump();
    return status["active"].is_object() ? status["active"]["next"].get<std::string>() : "";
  }

  // Rollback, as the message says, restores the catalog before start.
  void ExpectRollbackRestores() {
    ProcessRun rollback = Zeroshift(url_, {"rollback"});
    ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
    EXPECT_EQ(CatalogDump(*conn_), before_start_);
  }

  MigrationFile file_;
  std::string url_;
  std::unique_ptr<pg::Connection> conn_;
  std::string before_start_;
};

TEST_F(FailoverConsistencyTest, AgreeingStateSaysNothing) {
  EXPECT_EQ(Next().find(kDisagree), std::string::npos) << Next();
}

TEST_F(FailoverConsistencyTest, DroppedTriggerIsNamed) {
  std::string trigger =
      Value(url_, "SELECT tgname FROM pg_trigger WHERE tgname LIKE '~zs%' AND NOT tgisinternal");
  ASSERT_FALSE(trigger.empty());
  MustRun(*conn_, fmt::format("DROP TRIGGER \"{}\" ON public.users", trigger));
  std::string next = Next();
  EXPECT_NE(next.find(kDisagree), std::string::npos) << next;
  EXPECT_NE(next.find(fmt::format("trigger public.users.\"{}\"", trigger)), std::string::npos)
      << next;
  EXPECT_NE(next.find("at step active"), std::string::npos) << next;
  EXPECT_NE(next.find("`zeroshift rollback`"), std::string::npos) << next;
  ExpectRollbackRestores();
}

TEST_F(FailoverConsistencyTest, DroppedVersionSchemaIsNamed) {
  MustRun(*conn_, fmt::format("DROP SCHEMA {} CASCADE", kNewVersion));
  std::string next = Next();
  EXPECT_NE(next.find(fmt::format("its version schema \"{}\" is missing", kNewVersion)),
            std::string::npos)
      << next;
  // Said once, not again through the schema's own record.
  EXPECT_EQ(next.find(kDisagree), next.rfind(kDisagree)) << next;
  ExpectRollbackRestores();
}

}  // namespace
}  // namespace zs::engine::failover
