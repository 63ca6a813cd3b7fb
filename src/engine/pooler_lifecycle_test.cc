// zeroshift and its applications behind a real PgBouncer (issue 14, part 1):
// zeroshift refuses a transaction pooler and leaves the database untouched,
// runs end to end through a session pooler, and old and new clients of a
// transaction pooler select their version with one pool per version (the
// pgbouncer.ini lines `start` and `status` print) through start and complete
// with no error and every write in the right shape.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backend/postgres_backend.h"
#include "engine/baseline_version.h"
#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "pg/connection.h"
#include "pg/pooler.h"
#include "servers/pgbouncer.h"
#include "servers/pgbouncer_test_util.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::engine {
namespace {

using namespace zs::engine::test_util;  // NOLINT: Connect, CreateUsers, SplitName, kSplitName
using servers::PgBouncer;
using servers::test_util::MustStartPgBouncer;
using zs::testing::Open;
using zs::testing::ProcessRun;
using zs::testing::RunBinary;
namespace fs = std::filesystem;

std::string DatabaseOf(const std::string& url) { return url.substr(url.rfind('/') + 1); }

std::string One(pg::Connection& conn, const std::string& sql) {
  Result<pg::Rows> rows = conn.Exec(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  return rows.ok() && !rows->empty() ? rows->Get(0, 0) : "<none>";
}

// SHOW `setting` on a bare libpq connection that sets nothing itself.
std::string RawShow(const std::string& url, const std::string& setting) {
  std::unique_ptr<PGconn, pg::PgConnDeleter> conn(PQconnectdb(url.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) return PQerrorMessage(conn.get());
  std::unique_ptr<PGresult, pg::PgResultDeleter> result(
      PQexec(conn.get(), ("SHOW " + setting).c_str()));
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) return PQerrorMessage(conn.get());
  return PQgetvalue(result.get(), 0, 0);
}

fs::path WriteSplitName(const std::string& tag) {
  fs::path file = fs::temp_directory_path() /
                  fmt::format("zs_pooler_{}_{}", static_cast<long>(getpid()), tag) /
                  "02_split_name.yaml";
  fs::create_directories(file.parent_path());
  std::ofstream(file) << kSplitName;
  return file;
}

TEST(PoolerLifecycleTest, TransactionPoolerIsRefusedAndTheDatabaseIsUntouched) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 100);
  std::unique_ptr<PgBouncer> bouncer = MustStartPgBouncer("transaction");
  std::string pooled = bouncer->Url(DatabaseOf(url));
  fs::path file = WriteSplitName("refused");

  // Every command that takes zeroshift's session: init on a fresh database,
  // then start on one initialised directly.
  ProcessRun init = RunBinary({"init", "--postgres-url", pooled, "--lock-timeout", "1234"});
  EXPECT_EQ(init.exit_code, 1) << init.err;
  EXPECT_NE(init.err.find("transaction pooling"), std::string::npos) << init.err;
  EXPECT_NE(init.err.find("directly to PostgreSQL"), std::string::npos) << init.err;
  EXPECT_EQ(One(admin, "SELECT count(*) FROM pg_namespace WHERE nspname = 'zeroshift'"), "0");
  // The probe set nothing on the pool's server sessions: a client of the
  // pool finds no setting of zeroshift's (--lock-timeout 1234 above).
  // (A raw libpq client: pg::Connection::Open would set these itself.)
  EXPECT_EQ(RawShow(pooled, "lock_timeout"), "0");
  EXPECT_EQ(RawShow(pooled, "application_name"), "");

  ProcessRun direct_init = RunBinary({"init", "--postgres-url", url});
  ASSERT_EQ(direct_init.exit_code, 0) << direct_init.err;
  std::string schemas_before =
      One(admin, "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace");
  ProcessRun start = RunBinary({"start", file.string(), "--postgres-url", pooled});
  EXPECT_EQ(start.exit_code, 1) << start.err;
  EXPECT_NE(start.err.find("transaction pooling"), std::string::npos) << start.err;
  EXPECT_EQ(One(admin, "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace"),
            schemas_before);
  EXPECT_EQ(One(admin,
                "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                "'users' AND column_name <> 'id' AND column_name <> 'name'"),
            "0");
  Result<Engine> engine = Engine::Connect(pooled, Options{});
  EXPECT_FALSE(engine.ok());
  // The backend's sessions (which take the advisory lock) refuse it too.
  EXPECT_FALSE(backend::Postgres().Connect(pooled).ok());
}

TEST(PoolerLifecycleTest, SessionPoolerRunsTheLifecycleEndToEnd) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 1000);
  std::unique_ptr<PgBouncer> bouncer = MustStartPgBouncer("session");
  std::string pooled = bouncer->Url(DatabaseOf(url));
  fs::path file = WriteSplitName("session");

  {  // the backend's sessions (the advisory lock's) go through a session pool
    Result<std::unique_ptr<backend::Session>> session = backend::Postgres().Connect(pooled);
    EXPECT_TRUE(session.ok()) << session.status().ToString();
  }

  ProcessRun init = RunBinary({"init", "--postgres-url", pooled});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  ProcessRun start = RunBinary({"start", file.string(), "--postgres-url", pooled});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_NE(start.err.find("connect_query='SET search_path TO \"public_02_split_name\""),
            std::string::npos)
      << start.err;
  ProcessRun status = RunBinary({"status", "--postgres-url", pooled});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json json = nlohmann::json::parse(status.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << status.out;
  EXPECT_EQ(json["active"]["version_schema"], kVersionSchema);
  EXPECT_NE(json.value("new_clients_pgbouncer_database", "").find(kVersionSchema),
            std::string::npos)
      << status.out;
  ProcessRun complete = RunBinary({"complete", "--postgres-url", pooled});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  EXPECT_EQ(One(admin, "SELECT first_name || '/' || last_name FROM users WHERE id = 7"),
            "First7/Last7");
  EXPECT_EQ(One(admin,
                "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                "'users' AND column_name = 'name'"),
            "0");
}

// ---------------------------------------------------------------------------
// Applications through a transaction pooler, one pool per version.

using Written = test_util::WrittenRow;
using Writes = test_util::WriteLog;

constexpr int kPooledRows = 2000;
constexpr int kPooledClients = 3;  // per version, over a pool of 2 server connections

// Client `t` updates the original ids with id % (2 * kPooledClients) == t:
// no two clients write the same row, so each row's last write is known.
long long OwnedId(long long k, int t) {
  const long long stride = 2 * kPooledClients;
  long long id = (k % (kPooledRows / stride)) * stride + t;
  return id == 0 ? stride : id;
}

// An old client: the old shape (name), selected by its pool alone.
void PooledOldClient(const std::string& url, int t, std::atomic<bool>& stop, Writes& writes,
                     std::atomic<long long>& count) {
  pg::Connection conn = Open(url);
  for (long long k = 0; !stop.load(); ++k) {
    std::string name = fmt::format("Old{0}x{1} Client{0}x{1}", t, k);
    std::string first = name.substr(0, name.find(' ')), last = name.substr(name.find(' ') + 1);
    if (k % 2 == 0) {
      auto rows = conn.ExecParams("INSERT INTO users (name) VALUES ($1) RETURNING id", {name});
      if (!rows.ok()) {
        writes.Error("old insert: " + rows.status().ToString());
        continue;
      }
      writes.Set(rows->GetInt(0, 0), {first, last, "old insert"});
    } else {
      long long id = OwnedId(k, t);
      auto rows =
          conn.ExecParams("UPDATE users SET name = $1 WHERE id = $2", {name, std::to_string(id)});
      if (!rows.ok() || rows->AffectedRows() != 1) {
        writes.Error(fmt::format("old update of {}: {}", id,
                                 rows.ok() ? "no row" : rows.status().ToString()));
        continue;
      }
      writes.Set(id, {first, last, "old update"});
    }
    count.fetch_add(1);
  }
}

// A new client: the new shape (first_name, last_name), selected by its pool.
void PooledNewClient(const std::string& url, int t, std::atomic<bool>& stop, Writes& writes,
                     std::atomic<long long>& count) {
  pg::Connection conn = Open(url);
  for (long long k = 0; !stop.load(); ++k) {
    std::string first = fmt::format("NewFirst{}x{}", t, k),
                last = fmt::format("NewLast{}x{}", t, k);
    if (k % 2 == 0) {
      auto rows = conn.ExecParams(
          "INSERT INTO users (first_name, last_name) VALUES ($1, $2) RETURNING id", {first, last});
      if (!rows.ok()) {
        writes.Error("new insert: " + rows.status().ToString());
        continue;
      }
      writes.Set(rows->GetInt(0, 0), {first, last, "new insert"});
    } else {
      long long id = OwnedId(k, t);
      auto rows = conn.ExecParams("UPDATE users SET first_name = $1, last_name = $2 WHERE id = $3",
                                  {first, last, std::to_string(id)});
      if (!rows.ok() || rows->AffectedRows() != 1) {
        writes.Error(fmt::format("new update of {}: {}", id,
                                 rows.ok() ? "no row" : rows.status().ToString()));
        continue;
      }
      writes.Set(id, {first, last, "new update"});
    }
    count.fetch_add(1);
  }
}

// Every recorded write in the new shape, every untouched row as loaded.
void ExpectEveryWriteInTheNewShape(pg::Connection& admin,
                                   const std::map<long long, Written>& want) {
  Result<pg::Rows> rows = admin.Exec("SELECT id, first_name, last_name FROM public.users");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  std::map<long long, std::pair<std::string, std::string>> actual;
  for (int i = 0; i < rows->size(); ++i) {
    actual[rows->GetInt(i, 0)] = {rows->Get(i, 1), rows->Get(i, 2)};
  }
  int mismatches = 0;
  for (const auto& [id, written] : want) {
    auto it = actual.find(id);
    std::pair<std::string, std::string> expected{written.first, written.last};
    if (it == actual.end() || it->second != expected) {
      if (++mismatches <= 20)
        ADD_FAILURE() << fmt::format(
            "row {} ({}): got ({}), want ({}, {})", id, written.writer,
            it == actual.end() ? "missing" : it->second.first + ", " + it->second.second,
            written.first, written.last);
    }
  }
  for (long long id = 1; id <= kPooledRows; ++id) {
    if (want.count(id)) continue;
    std::pair<std::string, std::string> loaded{fmt::format("First{}", id),
                                               fmt::format("Last{}", id)};
    auto it = actual.find(id);
    if ((it == actual.end() || it->second != loaded) && ++mismatches <= 20)
      ADD_FAILURE() << "untouched row " << id << " changed or is missing";
  }
  size_t inserted = 0;
  for (const auto& entry : want) inserted += entry.first > kPooledRows;
  EXPECT_EQ(actual.size(), kPooledRows + inserted) << "rows nobody wrote, or lost inserts";
  EXPECT_EQ(mismatches, 0);
}

TEST(PoolerLifecycleTest, OldAndNewClientsThroughATransactionPoolerLoseNoWriteAndKeepTheirShape) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, kPooledRows);
  Engine engine = Connect(url);
  // `zeroshift init`'s baseline version, which old clients use.
  ASSERT_TRUE(
      CreateBaselineVersion(engine.session(), "public", "baseline", pg::RetryPolicy{}, nullptr)
          .ok());
  const std::string old_version = "public_baseline";
  ASSERT_EQ(One(admin, "SELECT count(*) FROM pg_namespace WHERE nspname = 'public_baseline'"), "1");
  // The pools exactly as `start` prints them (from zeroshift's own, direct,
  // connection), two server connections each for three clients each.
  std::unique_ptr<PgBouncer> bouncer =
      MustStartPgBouncer("transaction",
                         {pg::PgBouncerVersionPool(engine.connection(), old_version, "public"),
                          pg::PgBouncerVersionPool(engine.connection(), kVersionSchema, "public")},
                         {"default_pool_size = 2"});
  std::string database = DatabaseOf(url);
  std::string old_url = bouncer->Url(pg::VersionPoolName(database, old_version));
  std::string new_url = bouncer->Url(pg::VersionPoolName(database, kVersionSchema));

  Writes writes;
  std::atomic<bool> stop_old{false}, stop_new{false};
  std::atomic<long long> old_count{0}, new_count{0};
  std::vector<std::thread> old_clients, new_clients;
  for (int t = 0; t < kPooledClients; ++t) {
    old_clients.emplace_back(PooledOldClient, old_url, t, std::ref(stop_old), std::ref(writes),
                             std::ref(old_count));
  }
  auto wait_for = [](std::atomic<long long>& count, long long target) {
    for (int i = 0; i < 3000 && count.load() < target; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
  wait_for(old_count, 50);
  Status started = engine.Start(SplitName());
  if (!started.ok()) {
    stop_old = true;
    for (auto& th : old_clients) th.join();
    FAIL() << "start: " << started.ToString();
  }
  for (int t = kPooledClients; t < 2 * kPooledClients; ++t) {
    new_clients.emplace_back(PooledNewClient, new_url, t, std::ref(stop_new), std::ref(writes),
                             std::ref(new_count));
  }
  // Both versions write side by side, then old clients retire before complete
  // (which drops their version).
  long long old_at_start = old_count.load();
  wait_for(new_count, 200);
  wait_for(old_count, old_at_start + 200);
  stop_old = true;
  for (auto& th : old_clients) th.join();
  long long new_before_complete = new_count.load();
  Status completed = engine.Complete();
  wait_for(new_count, new_before_complete + 100);
  stop_new = true;
  for (auto& th : new_clients) th.join();
  ASSERT_TRUE(completed.ok()) << completed.ToString();

  std::vector<std::string> errors = writes.errors();
  for (size_t i = 0; i < errors.size() && i < 20; ++i) ADD_FAILURE() << errors[i];
  EXPECT_EQ(errors.size(), 0u);
  std::printf(
      "writes through PgBouncer: old %lld (%lld after start), new %lld (%lld after "
      "complete began)\n",
      old_count.load(), old_count.load() - old_at_start, new_count.load(),
      new_count.load() - new_before_complete);
  EXPECT_GT(old_count.load(), old_at_start) << "no old write while the migration was active";
  EXPECT_GT(new_count.load(), new_before_complete) << "no new write during or after complete";
  ExpectEveryWriteInTheNewShape(admin, writes.rows());
}

}  // namespace
}  // namespace zs::engine
