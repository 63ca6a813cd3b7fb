#include "servers/pgbouncer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include <fmt/format.h>

#include "pg/connection.h"
#include "testing/shared_cluster.h"

namespace zs::servers {
namespace {

TEST(PgBouncerTest, ServesTheClusterOnALoopbackPortAndASocketAndIsRemovedWhenStopped) {
  std::string url = zs::testing::FreshDatabaseUrl();
  std::string database = url.substr(url.rfind('/') + 1);
  std::string root;
  {
    Result<std::unique_ptr<PgBouncer>> bouncer =
        PgBouncer::Start({.server_port = zs::testing::SharedCluster().port()});
    ASSERT_TRUE(bouncer.ok()) << bouncer.status().ToString();
    PgBouncer& b = **bouncer;
    root = b.socket_dir();
    EXPECT_GT(b.port(), 0);
    EXPECT_EQ(b.Url(database),
              fmt::format("postgresql://postgres@127.0.0.1:{}/{}", b.port(), database));
    // Over TCP, to the catch-all pool of the fresh database.
    Result<pg::Connection> tcp = pg::Connection::Open(b.Url(database));
    ASSERT_TRUE(tcp.ok()) << tcp.status().ToString();
    Result<pg::Rows> rows = tcp->Exec("SELECT current_database()");
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    EXPECT_EQ(rows->Get(0, 0), database);
    // Over its Unix socket, in its own directory.
    struct stat info {};
    std::string socket = fmt::format("{}/.s.PGSQL.{}", root, b.port());
    EXPECT_EQ(stat(socket.c_str(), &info), 0) << socket;
    Result<pg::Connection> unix_socket = pg::Connection::Open(
        fmt::format("host={} port={} dbname={} user=postgres", root, b.port(), database));
    EXPECT_TRUE(unix_socket.ok()) << unix_socket.status().ToString();
  }
  EXPECT_FALSE(std::filesystem::exists(root)) << root;
}

TEST(PgBouncerTest, ReportsAnUnknownUser) {
  Result<std::unique_ptr<PgBouncer>> bouncer =
      PgBouncer::Start({.server_port = zs::testing::SharedCluster().port()});
  ASSERT_TRUE(bouncer.ok()) << bouncer.status().ToString();
  // Only the auth file's users get in, even with auth_type trust.
  Result<pg::Connection> stranger = pg::Connection::Open((*bouncer)->Url("postgres", "stranger"));
  EXPECT_FALSE(stranger.ok());
}

}  // namespace
}  // namespace zs::servers
