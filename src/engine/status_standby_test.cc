// `zeroshift status` against a PostgreSQL standby in recovery (issue 17): it
// answers, and says that it is a standby and as of when it replayed the
// primary, in the JSON (the "standby" field) and in a note on stderr; against
// the primary, "standby" is null and there is no note. A real primary and
// streaming standby (failover_test_util.h); every wait polls the servers.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/failover_test_util.h"

namespace zs::engine::failover {
namespace {

TEST(StatusStandbyTest, SaysItIsAStandbyAndAsOfWhenItReplayedThePrimary) {
  ClusterPair pair = StartPair(/*synchronous=*/false);
  ProcessRun init = Zeroshift(pair.primary_url, {"init"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  ASSERT_TRUE(pair.standby->WaitForReplay(*pair.primary).ok());

  ProcessRun on_standby = Zeroshift(pair.standby_url, {"status"});
  ASSERT_EQ(on_standby.exit_code, 0) << on_standby.err;
  nlohmann::json status = nlohmann::json::parse(on_standby.out, nullptr, false);
  ASSERT_FALSE(status.is_discarded()) << on_standby.out;
  EXPECT_EQ(status["initialized"], true) << status.dump(2);  // init, as replayed
  const nlohmann::json& standby = status["standby"];
  ASSERT_TRUE(standby.is_object()) << status.dump(2);
  EXPECT_EQ(standby["in_recovery"], true);
  const std::string server = fmt::format("127.0.0.1:{} (database \"app\")", pair.standby->port());
  EXPECT_EQ(standby["server"], server) << standby.dump(2);
  // init's transaction was replayed after the standby started: a time, not null.
  ASSERT_TRUE(standby["replayed_as_of"].is_string()) << standby.dump(2);
  const std::string as_of = standby["replayed_as_of"].get<std::string>();
  EXPECT_TRUE(std::regex_search(as_of, std::regex(R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)"))) << as_of;
  const std::string note = standby["note"].get<std::string>();
  EXPECT_EQ(note, server +
                      " is a standby in recovery (read-only): this is the state replayed from the "
                      "primary as of " +
                      as_of +
                      " (pg_last_xact_replay_timestamp()); run the commands that change "
                      "something (init, start, backfill, complete, rollback) against the primary");
  // The text for the person reading it, on stderr; stdout stays the JSON alone.
  EXPECT_NE(on_standby.err.find("note: " + note + "\n"), std::string::npos) << on_standby.err;
  // No password reaches the output (the URL's user has none here; the server is host:port).
  EXPECT_EQ(note.find("postgres@"), std::string::npos) << note;

  ProcessRun on_primary = Zeroshift(pair.primary_url, {"status"});
  ASSERT_EQ(on_primary.exit_code, 0) << on_primary.err;
  nlohmann::json primary_status = nlohmann::json::parse(on_primary.out, nullptr, false);
  ASSERT_FALSE(primary_status.is_discarded()) << on_primary.out;
  ASSERT_TRUE(primary_status.contains("standby")) << primary_status.dump(2);
  EXPECT_TRUE(primary_status["standby"].is_null()) << primary_status.dump(2);
  EXPECT_EQ(on_primary.err.find("standby"), std::string::npos) << on_primary.err;
}

}  // namespace
}  // namespace zs::engine::failover
