// The targets of a fleet: the file's lines and the query's rows, and what is
// refused (never echoing a password).
#include "fleet/targets.h"

#include <gtest/gtest.h>

#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::fleet {
namespace {

constexpr const char* kPassword = "fleet-Secret-9";

TEST(FleetTargets, ParsesNameUrlLinesSkippingBlanksAndComments) {
  Result<std::vector<Target>> targets = ParseTargets(
      "# shards\n\nshard-1 postgresql://a@h1/db1\n  shard_2\tpostgresql://b@h2/db2  \n", "t.txt");
  ASSERT_TRUE(targets.ok()) << targets.status().ToString();
  ASSERT_EQ(targets->size(), 2u);
  EXPECT_EQ((*targets)[0].name, "shard-1");
  EXPECT_EQ((*targets)[0].url, "postgresql://a@h1/db1");
  EXPECT_EQ((*targets)[1].name, "shard_2");
  EXPECT_EQ((*targets)[1].url, "postgresql://b@h2/db2");
}

TEST(FleetTargets, RefusesWhatIsNotOneNameAndOneUrl) {
  std::string url = std::string("postgresql://u:") + kPassword + "@h/db";
  struct Case {
    std::string text;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {"a " + url + " extra\n", "t.txt:1: expected `name url`"},
           {"a\n", "t.txt:1: target \"a\" has no URL"},
           {"a " + url + "\nb " + url + "\na " + url + "\n", "\"a\" appears twice"},
           {"sh/1 " + url + "\n", "may hold only letters"},
           {"# nothing\n", "t.txt: no targets"},
           {"a redis://u:" + std::string(kPassword) + "@h/db\n", "t.txt:1: target \"a\""},
       }) {
    Result<std::vector<Target>> targets = ParseTargets(c.text, "t.txt");
    ASSERT_FALSE(targets.ok()) << c.text;
    EXPECT_NE(targets.status().message().find(c.expected), std::string::npos)
        << targets.status().ToString();
    EXPECT_EQ(targets.status().message().find(kPassword), std::string::npos)
        << targets.status().ToString();
  }
}

TEST(FleetTargets, QueryListsTheTargetsAsRows) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection conn = zs::testing::Open(url);
  zs::testing::MustRun(conn, "CREATE TABLE tenants (id int, slug text, dsn text)");
  zs::testing::MustRun(conn,
                       "INSERT INTO tenants VALUES (1, 'acme', 'postgresql://x@h/acme'), "
                       "(2, 'globex', 'postgresql://x@h/globex')");
  Result<std::vector<Target>> targets =
      QueryTargets(url, "SELECT slug, dsn FROM tenants ORDER BY id");
  ASSERT_TRUE(targets.ok()) << targets.status().ToString();
  ASSERT_EQ(targets->size(), 2u);
  EXPECT_EQ((*targets)[1].name, "globex");
  EXPECT_EQ((*targets)[1].url, "postgresql://x@h/globex");

  Result<std::vector<Target>> one = QueryTargets(url, "SELECT slug FROM tenants");
  ASSERT_FALSE(one.ok());
  EXPECT_NE(one.status().message().find("two columns"), std::string::npos)
      << one.status().ToString();
  Result<std::vector<Target>> none = QueryTargets(url, "SELECT slug, dsn FROM tenants WHERE false");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no targets"), std::string::npos);
}

TEST(FleetTargets, QueryOnAnUnreachableDatabaseNeverPrintsItsPassword) {
  // Port 1: nothing listens there.
  std::string url = std::string("postgresql://u:") + kPassword + "@127.0.0.1:1/db";
  Result<std::vector<Target>> targets = QueryTargets(url, "SELECT 'a', 'b'");
  ASSERT_FALSE(targets.ok());
  EXPECT_EQ(targets.status().ToString().find(kPassword), std::string::npos)
      << targets.status().ToString();
}

}  // namespace
}  // namespace zs::fleet
