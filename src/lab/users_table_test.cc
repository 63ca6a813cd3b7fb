// The lab's database helpers: conninfo rewriting, a fresh database per run,
// the chunked load and the first rows in table order.
#include "lab/users_table.h"

#include <gtest/gtest.h>

#include "testing/shared_cluster.h"

namespace zs::lab {
namespace {

TEST(LabUsersTable, WithDatabaseRewritesUrlsAndKeywordStrings) {
  auto url = WithDatabase("postgresql://app:s3cret@db.internal:6432/app?sslmode=require", "lab");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_NE(url->find("host='db.internal'"), std::string::npos) << *url;
  EXPECT_NE(url->find("port='6432'"), std::string::npos) << *url;
  EXPECT_NE(url->find("user='app'"), std::string::npos) << *url;
  EXPECT_NE(url->find("sslmode='require'"), std::string::npos) << *url;
  EXPECT_NE(url->find("dbname='lab'"), std::string::npos) << *url;
  EXPECT_EQ(url->find("dbname='app'"), std::string::npos) << *url;
  auto kv = WithDatabase("host=/tmp dbname=x application_name=lab", "o'k");
  ASSERT_TRUE(kv.ok());
  EXPECT_NE(kv->find("dbname='o\\'k'"), std::string::npos) << *kv;
  EXPECT_NE(kv->find("host='/tmp'"), std::string::npos) << *kv;
  EXPECT_FALSE(WithDatabase("postgresql://[broken", "lab").ok());
}

TEST(LabUsersTable, RecreatesLoadsAndShowsTheFirstRows) {
  const std::string admin = testing::SharedCluster().Url();
  auto url = RecreateDatabase(admin, "zs_users_table_test");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  auto conn = pg::Connection::Open(*url);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ASSERT_TRUE(LoadUsers(*conn, 2500).ok());
  auto count = conn->Exec("SELECT count(*), count(DISTINCT name), max(id) FROM users");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->GetInt(0, 0), 2500);
  EXPECT_GT(count->GetInt(0, 1), 100);
  auto inserted = conn->Exec("INSERT INTO users (name, email) VALUES ('A B', 'a@b') RETURNING id");
  ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
  EXPECT_EQ(inserted->GetInt(0, 0), 2501);  // the sequence continues after the loaded ids
  auto first = FirstRows(*conn, 3);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ((*first)["columns"], nlohmann::json({"id", "name", "email", "created_at"}));
  ASSERT_EQ((*first)["rows"].size(), 3u);
  EXPECT_EQ((*first)["rows"][0][0], 1);
  EXPECT_EQ((*first)["rows"][0][1], "Bob Smith");
  auto version = ServerVersion(*conn);
  ASSERT_TRUE(version.ok());
  EXPECT_FALSE(version->empty());

  // Recreating empties it; a second drop of a missing database is fine.
  ASSERT_TRUE(RecreateDatabase(admin, "zs_users_table_test").ok());
  EXPECT_TRUE(DropDatabase(admin, "zs_users_table_test").ok());
  EXPECT_TRUE(DropDatabase(admin, "zs_users_table_test").ok());
}

// Pointed at a real server, the lab must never drop a database of the
// user's, even one named like the lab's: it drops only those it marked.
TEST(LabUsersTable, NeverDropsADatabaseItDidNotCreate) {
  const std::string admin = testing::SharedCluster().Url();
  const std::string theirs = "zs_users_table_theirs";
  {
    auto conn = pg::Connection::Open(admin);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_TRUE(conn->Run("DROP DATABASE IF EXISTS " + theirs + " WITH (FORCE)").ok());
    ASSERT_TRUE(conn->Run("CREATE DATABASE " + theirs).ok());
  }
  Status dropped = DropDatabase(admin, theirs);
  EXPECT_EQ(dropped.code(), Code::kConflict) << dropped.ToString();
  EXPECT_NE(dropped.message().find(theirs), std::string::npos) << dropped.message();
  EXPECT_FALSE(RecreateDatabase(admin, theirs).ok());
  auto conn = pg::Connection::Open(admin);
  ASSERT_TRUE(conn.ok());
  auto exists = conn->Exec("SELECT count(*) FROM pg_database WHERE datname = '" + theirs + "'");
  ASSERT_TRUE(exists.ok());
  EXPECT_EQ(exists->GetInt(0, 0), 1) << "the lab dropped a database it did not create";
  EXPECT_TRUE(conn->Run("DROP DATABASE " + theirs).ok());

  // Its own names: the prefix and a random suffix, never longer than an identifier.
  std::string a = UniqueDatabaseName("zeroshift_lab"), b = UniqueDatabaseName("zeroshift_lab");
  EXPECT_EQ(a.rfind("zeroshift_lab_", 0), 0u) << a;
  EXPECT_NE(a, b);
  EXPECT_LE(UniqueDatabaseName(std::string(100, 'p')).size(), 63u);
}

}  // namespace
}  // namespace zs::lab
