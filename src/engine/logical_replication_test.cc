// Issue 20.6: a column swap adds a temporary column; on a table published
// with all its columns it was replicated and a real subscriber stopped
// ("missing replicated columns"), its slot keeping WAL. Such a publication is
// refused before anything runs (rehearsal_test.cc); a publication with a
// column list that leaves the altered column out keeps a real subscriber, in
// another cluster, replicating through start and complete.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "engine/engine.h"
#include "migration/parser.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::engine {
namespace {

using zs::testing::MustRun;
using zs::testing::Open;
using zs::testing::TempCluster;

std::string One(pg::Connection& conn, const std::string& sql) {
  auto rows = conn.Exec(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  if (!rows.ok() || rows->size() == 0) return "";
  return rows->Get(0, 0);
}

// Polls until `sql` returns `want` (bounded: 30 s), so the test waits for the
// subscriber without depending on how fast it is.
bool WaitFor(pg::Connection& conn, const std::string& sql, const std::string& want) {
  for (int i = 0; i < 300; ++i) {
    if (One(conn, sql) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST(LogicalReplication, SubscriberKeepsReplicatingThroughStartAndComplete) {
  auto publisher = TempCluster::Start({.config_lines = {"wal_level = logical"}});
  ASSERT_TRUE(publisher.ok()) << publisher.status().ToString();
  auto subscriber = TempCluster::Start();
  ASSERT_TRUE(subscriber.ok()) << subscriber.status().ToString();
  auto pub_url = (*publisher)->CreateDatabase("app");
  auto sub_url = (*subscriber)->CreateDatabase("replica");
  ASSERT_TRUE(pub_url.ok() && sub_url.ok());

  pg::Connection pub = Open(*pub_url);
  MustRun(
      pub,
      "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, email text);"
      "INSERT INTO users SELECT i, 'user ' || i, 'u' || i || '@x' FROM generate_series(1, 10) i;"
      "CREATE PUBLICATION pub FOR TABLE users (id, name)");
  pg::Connection sub = Open(*sub_url);
  MustRun(sub, "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL)");
  MustRun(sub, fmt::format("CREATE SUBSCRIPTION sub CONNECTION '{}' PUBLICATION pub", *pub_url));
  ASSERT_TRUE(WaitFor(sub, "SELECT count(*) FROM users", "10"));

  auto engine = Engine::Connect(*pub_url, Options{});
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  ASSERT_TRUE(engine->Init().ok());
  auto m = migration::ParseMigration(R"(name: 01_email
operations:
  - alter_column:
      table: users
      column: email
      type: varchar(200)
      up: email
      down: email
)",
                                     "01_email.yaml");
  ASSERT_TRUE(m.ok());
  Status start = engine->Start(*m);
  ASSERT_TRUE(start.ok()) << start.ToString();
  MustRun(pub, "INSERT INTO users VALUES (11, 'after start', 'a@x')");
  ASSERT_TRUE(WaitFor(sub, "SELECT count(*) FROM users", "11"));
  Status complete = engine->Complete();
  ASSERT_TRUE(complete.ok()) << complete.ToString();
  MustRun(pub,
          "INSERT INTO users VALUES (12, 'after complete', 'b@x');"
          "UPDATE users SET name = 'changed' WHERE id = 1");
  ASSERT_TRUE(WaitFor(sub, "SELECT count(*) FROM users WHERE id = 12 OR name = 'changed'", "2"));
  // The subscription's worker is still running.
  EXPECT_EQ(One(sub, "SELECT count(*) FROM pg_stat_subscription WHERE pid IS NOT NULL"), "1");
  // Drops the publisher's slot too, so the cluster stops cleanly.
  MustRun(sub, "DROP SUBSCRIPTION sub");
}

}  // namespace
}  // namespace zs::engine
