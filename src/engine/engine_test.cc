// Engine integration tests against a real throwaway PostgreSQL: the
// concurrency acceptance test (old and new clients writing through start and
// complete), the advisory lock, bad input leaving the catalog untouched,
// rollback keeping every write, state conflicts, resume, and the CLI binary.
#include "engine/engine.h"
#include "cli/status_json.h"
#include "testing/seed_migration.h"
#include "testing/test_support.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "migration/parser.h"
#include "pg/connection.h"
#include "testing/temp_cluster.h"

namespace zs::engine {
namespace {

using zs::testing::MustRun;
using zs::testing::Open;
using zs::testing::ProcessRun;
using zs::testing::RunBinary;

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kSplitName = zs::testing::kSplitNameYaml;

constexpr const char* kVersionSchema = "public_02_split_name";

migration::Migration Parse(const std::string& yaml,
                           const std::string& file = "02_split_name.yaml") {
  Result<migration::Migration> m = migration::ParseMigration(yaml, file);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (!m.ok()) std::abort();
  return std::move(m).value();
}

Engine Connect(const std::string& url, int batch_size = 1000) {
  Options options;
  options.backfill.batch_size = batch_size;
  Result<Engine> engine = Engine::Connect(url, std::move(options));
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  if (!engine.ok()) std::abort();
  Status init = engine->Init();
  EXPECT_TRUE(init.ok()) << init.ToString();
  return std::move(engine).value();
}

// users(id bigserial pk, name text not null) with `rows` rows "First<i> Last<i>".
void CreateUsers(pg::Connection& conn, int rows) {
  MustRun(conn, "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL)");
  MustRun(conn, fmt::format("INSERT INTO users (name) SELECT 'First' || i || ' Last' || i FROM "
                            "generate_series(1, {}) AS i",
                            rows));
}

// Every schema, relation, column, constraint, trigger and function outside the
// system schemas, the state rows, and a digest of the users data.
std::string CatalogSnapshot(pg::Connection& conn) {
  Result<pg::Rows> rows = conn.Exec(R"sql(
WITH ns AS (
  SELECT oid, nspname FROM pg_namespace
  WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
)
SELECT x FROM (
  SELECT 'schema ' || nspname FROM ns
  UNION ALL
  SELECT 'relation ' || ns.nspname || '.' || c.relname || ' kind=' || c.relkind::text
  FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
  UNION ALL
  SELECT 'column ' || ns.nspname || '.' || c.relname || '.' || a.attname || ' '
         || format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull
         || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON ns.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' '
         || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace IN (SELECT oid FROM ns)
  UNION ALL
  SELECT 'trigger ' || tgrelid::regclass::text || ' ' || tgname || ' enabled=' || tgenabled::text
  FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL
  SELECT 'function ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc)
  FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
  UNION ALL
  SELECT 'view ' || ns.nspname || '.' || c.relname || ' ' || pg_get_viewdef(c.oid)
  FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind = 'v'
  UNION ALL
  SELECT 'migration ' || m::text FROM zeroshift.migrations m
  UNION ALL
  SELECT 'cursor ' || b::text FROM zeroshift.backfill_cursors b
  UNION ALL
  SELECT 'users ' || count(*) || ' ' || md5(string_agg(u::text, ',' ORDER BY u.id)) FROM users u
) s(x) ORDER BY x)sql");
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  if (!rows.ok()) return "";
  std::string out;
  for (int i = 0; i < rows->size(); ++i) out += rows->Get(i, 0) + "\n";
  return out;
}

std::pair<std::string, std::string> Split(const std::string& name) {
  auto space = name.find(' ');
  return {name.substr(0, space), name.substr(space + 1)};
}

// ---------------------------------------------------------------------------
// 1. The acceptance test of the core.

struct Expected {
  std::string first;
  std::string last;
  std::string writer;  // for messages
};

class Recorder {
 public:
  void Set(long long id, Expected expected) {
    std::lock_guard<std::mutex> lock(mu_);
    rows_[id] = std::move(expected);
  }
  void Error(const std::string& message) {
    std::lock_guard<std::mutex> lock(mu_);
    errors_.push_back(message);
  }
  std::map<long long, Expected> rows() {
    std::lock_guard<std::mutex> lock(mu_);
    return rows_;
  }
  std::vector<std::string> errors() {
    std::lock_guard<std::mutex> lock(mu_);
    return errors_;
  }

 private:
  std::mutex mu_;
  std::map<long long, Expected> rows_;
  std::vector<std::string> errors_;
};

constexpr int kInitialRows = 100000;
constexpr int kShards = 4;  // thread t updates original ids with id % 4 == t

// Picks a random original id owned by shard `t`.
long long RandomOwnedId(std::mt19937_64& rng, int t) {
  std::uniform_int_distribution<long long> dist(0, kInitialRows / kShards - 1);
  long long id = dist(rng) * kShards + t;
  return id == 0 ? kShards : id;  // ids start at 1; shard 0 owns 4, 8, ...
}

void OldClient(const std::string& url, int t, std::atomic<bool>& stop, Recorder& rec,
               std::atomic<long long>& writes) {
  pg::Connection conn = Open(url);
  if (!conn.Run("SET search_path TO public").ok()) rec.Error("old: set search_path");
  std::mt19937_64 rng(1000 + t);
  for (long long k = 0; !stop.load(); ++k) {
    std::string tag = fmt::format("{}x{}", t, k);
    if (k % 2 == 0) {
      std::string name = fmt::format("Old{} Client{}", tag, tag);
      auto rows = conn.ExecParams("INSERT INTO users (name) VALUES ($1) RETURNING id", {name});
      if (!rows.ok()) {
        rec.Error("old insert: " + rows.status().ToString());
        continue;
      }
      auto [first, last] = Split(name);
      rec.Set(rows->GetInt(0, 0), {first, last, "old insert"});
    } else {
      long long id = RandomOwnedId(rng, t);
      std::string name = fmt::format("Upd{} Name{}", tag, tag);
      auto rows =
          conn.ExecParams("UPDATE users SET name = $1 WHERE id = $2", {name, std::to_string(id)});
      if (!rows.ok()) {
        rec.Error("old update: " + rows.status().ToString());
        continue;
      }
      if (rows->AffectedRows() != 1) rec.Error(fmt::format("old update of {} hit no row", id));
      auto [first, last] = Split(name);
      rec.Set(id, {first, last, "old update"});
    }
    writes.fetch_add(1);
  }
}

void NewClient(const std::string& url, int t, std::atomic<bool>& stop, Recorder& rec,
               std::atomic<long long>& writes) {
  pg::Connection conn = Open(url);
  if (!conn.Run(fmt::format("SET search_path TO {}", kVersionSchema)).ok()) {
    rec.Error("new: set search_path");
  }
  std::mt19937_64 rng(2000 + t);
  for (long long k = 0; !stop.load(); ++k) {
    std::string tag = fmt::format("{}x{}", t, k);
    std::string first = "NewFirst" + tag;
    std::string last = "NewLast" + tag;
    if (k % 2 == 0) {
      auto rows = conn.ExecParams(
          "INSERT INTO users (first_name, last_name) VALUES ($1, $2) RETURNING id", {first, last});
      if (!rows.ok()) {
        rec.Error("new insert: " + rows.status().ToString());
        continue;
      }
      rec.Set(rows->GetInt(0, 0), {first, last, "new insert"});
    } else {
      long long id = RandomOwnedId(rng, t);
      auto rows = conn.ExecParams("UPDATE users SET first_name = $1, last_name = $2 WHERE id = $3",
                                  {first, last, std::to_string(id)});
      if (!rows.ok()) {
        rec.Error("new update: " + rows.status().ToString());
        continue;
      }
      if (rows->AffectedRows() != 1) rec.Error(fmt::format("new update of {} hit no row", id));
      rec.Set(id, {first, last, "new update"});
    }
    writes.fetch_add(1);
  }
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

TEST(EngineConcurrencyTest, OldAndNewClientsLoseNoWriteThroughStartAndComplete) {
  auto t0 = Clock::now();
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, kInitialRows);
  Engine engine = Connect(url, 1000);
  migration::Migration m = Parse(kSplitName);
  std::printf("load: %.2fs\n", Seconds(t0));

  Recorder rec;
  std::atomic<bool> stop_old{false}, stop_new{false};
  std::atomic<long long> old_writes{0}, new_writes{0};
  std::vector<std::thread> old_clients, new_clients;
  for (int t = 0; t < 2; ++t) {
    old_clients.emplace_back(OldClient, url, t, std::ref(stop_old), std::ref(rec),
                             std::ref(old_writes));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  auto start_at = Clock::now();
  Status started = engine.Start(m);
  double start_seconds = Seconds(start_at);
  std::printf("start: %.2fs (old writes so far %lld)\n", start_seconds, old_writes.load());
  if (!started.ok()) {
    stop_old = true;
    for (auto& th : old_clients) th.join();
    FAIL() << "start: " << started.ToString();
  }

  for (int t = 2; t < 4; ++t) {
    new_clients.emplace_back(NewClient, url, t, std::ref(stop_new), std::ref(rec),
                             std::ref(new_writes));
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  stop_old = true;
  for (auto& th : old_clients) th.join();

  auto complete_at = Clock::now();
  Status completed = engine.Complete();
  double complete_seconds = Seconds(complete_at);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  stop_new = true;
  for (auto& th : new_clients) th.join();
  std::printf("complete: %.2fs; writes: old %lld, new %lld\n", complete_seconds, old_writes.load(),
              new_writes.load());
  ASSERT_TRUE(completed.ok()) << completed.ToString();

  std::vector<std::string> errors = rec.errors();
  for (size_t i = 0; i < errors.size() && i < 20; ++i)
    std::printf("client error: %s\n", errors[i].c_str());
  EXPECT_EQ(errors.size(), 0u) << "client errors (first 20 printed above)";
  EXPECT_GT(old_writes.load(), 0);
  EXPECT_GT(new_writes.load(), 0);

  // The old shape is gone, the new one has every write.
  Result<pg::Rows> name_column = admin.Exec(
      "SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = "
      "'users' AND column_name = 'name'");
  ASSERT_TRUE(name_column.ok());
  EXPECT_TRUE(name_column->empty()) << "users.name survived complete";

  Result<pg::Rows> rows =
      admin.Exec("SELECT id, first_name, last_name FROM public.users ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  std::map<long long, Expected> expected = rec.rows();
  std::map<long long, std::pair<std::optional<std::string>, std::optional<std::string>>> actual;
  for (int i = 0; i < rows->size(); ++i) {
    actual[rows->GetInt(i, 0)] = {rows->GetOptional(i, 1), rows->GetOptional(i, 2)};
  }
  int mismatches = 0;
  auto report = [&](const std::string& message) {
    if (++mismatches <= 20) ADD_FAILURE() << message;
  };
  for (const auto& [id, want] : expected) {
    auto it = actual.find(id);
    if (it == actual.end()) {
      report(fmt::format("row {} ({}) is missing", id, want.writer));
      continue;
    }
    if (it->second.first != want.first || it->second.second != want.last) {
      report(fmt::format("row {} ({}): got ({}, {}), want ({}, {})", id, want.writer,
                         it->second.first.value_or("NULL"), it->second.second.value_or("NULL"),
                         want.first, want.last));
    }
  }
  for (long long id = 1; id <= kInitialRows; ++id) {
    if (expected.count(id)) continue;
    auto it = actual.find(id);
    if (it == actual.end()) {
      report(fmt::format("untouched row {} is missing", id));
      continue;
    }
    std::string first = fmt::format("First{}", id), last = fmt::format("Last{}", id);
    if (it->second.first != first || it->second.second != last) {
      report(fmt::format("untouched row {}: got ({}, {}), want ({}, {})", id,
                         it->second.first.value_or("NULL"), it->second.second.value_or("NULL"),
                         first, last));
    }
  }
  for (const auto& [id, value] : actual) {
    if (!value.first) report(fmt::format("row {} has NULL first_name", id));
    if (id > kInitialRows && !expected.count(id)) report(fmt::format("unexpected row {}", id));
  }
  EXPECT_EQ(mismatches, 0);
  std::printf("rows: %zu, recorded writes: %zu, total test: %.2fs\n", actual.size(),
              expected.size(), Seconds(t0));
}

// ---------------------------------------------------------------------------
// 2. Advisory lock.

TEST(EngineLockTest, StartFailsWhileAnotherProcessHoldsTheLock) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 100);
  Engine engine = Connect(url);
  pg::Connection holder = Open(url);
  MustRun(holder, "SELECT pg_advisory_lock(hashtext('zeroshift:public'))");
  std::string before = CatalogSnapshot(admin);

  Status status = engine.Start(Parse(kSplitName));
  EXPECT_EQ(status.code(), Code::kConflict) << status.ToString();
  EXPECT_NE(status.message().find("another zeroshift process"), std::string::npos)
      << status.message();
  EXPECT_EQ(CatalogSnapshot(admin), before);

  // Once the lock is released, start goes through.
  MustRun(holder, "SELECT pg_advisory_unlock(hashtext('zeroshift:public'))");
  Status retried = engine.Start(Parse(kSplitName));
  EXPECT_TRUE(retried.ok()) << retried.ToString();
}

// A lock wait that is retried logs through the engine's callback. The engine
// was returned by value (moved), which once left the retry callback with a
// dangling `this` (a crash the lab hit at contract on 4 M rows).
TEST(EngineLockTest, RetriedLockWaitIsLoggedByAMovedEngine) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 100);
  auto lines = std::make_shared<std::vector<std::string>>();
  Options options;
  options.retry.lock_timeout = std::chrono::milliseconds(50);
  options.retry.initial_backoff = std::chrono::milliseconds(50);
  options.log = [lines](const std::string& line) { lines->push_back(line); };
  Result<Engine> connected = Engine::Connect(url, std::move(options));
  ASSERT_TRUE(connected.ok()) << connected.status().ToString();
  std::optional<Engine> engine;
  engine.emplace(std::move(connected).value());
  ASSERT_TRUE(engine->Init().ok());

  pg::Connection holder = Open(url);
  MustRun(holder, "BEGIN; LOCK TABLE users IN ACCESS SHARE MODE");
  std::thread release([&holder] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    (void)holder.Run("COMMIT");
  });
  Status status = engine->Start(Parse(kSplitName));
  release.join();
  EXPECT_TRUE(status.ok()) << status.ToString();
  bool logged = std::any_of(lines->begin(), lines->end(), [](const std::string& line) {
    return line.find("lock not available (attempt 1/") != std::string::npos;
  });
  EXPECT_TRUE(logged) << "no retry was logged";
}

// ---------------------------------------------------------------------------
// 3. Bad input leaves the database untouched.

struct BadCase {
  std::string label;
  std::string yaml;
  std::string culprit;  // the message must contain it
};

TEST(EngineBadInputTest, EveryRejectedMigrationLeavesTheCatalogIdentical) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 100);
  Engine engine = Connect(url);
  const std::string valid_first =
      "operations:\n"
      "  - add_column: {table: users, up: \"split_part(name, ' ', 1)\", "
      "column: {name: first_name, type: text, nullable: true}}\n";
  const std::vector<BadCase> cases = {
      {"sql injection in up",
       "operations:\n"
       "  - add_column: {table: users, up: \"split_part(name, ' ', 1); DROP TABLE users\", "
       "column: {name: first_name, type: text, nullable: true}}\n",
       "DROP TABLE users"},
      {"unknown table",
       "operations:\n"
       "  - add_column: {table: nosuchtable, column: {name: c, type: text, nullable: true}}\n",
       "nosuchtable"},
      {"unknown column in drop_column",
       "operations:\n"
       "  - drop_column: {table: users, column: nosuchcolumn, down: \"'x'\"}\n",
       "nosuchcolumn"},
      {"type that does not exist",
       "operations:\n"
       "  - add_column: {table: users, up: name, column: {name: c, type: texx, nullable: true}}\n",
       "texx"},
      {"NOT NULL add_column without up or default",
       "operations:\n"
       "  - add_column: {table: users, column: {name: mandatory, type: text, nullable: false}}\n",
       "mandatory"},
      {"identifier with a double quote",
       "operations:\n"
       "  - add_column: {table: users, up: name, "
       "column: {name: 'bad\"quote', type: text, nullable: true}}\n",
       "bad"},
      {"identifier with a space",
       "operations:\n"
       "  - add_column: {table: users, up: name, "
       "column: {name: 'bad space', type: text, nullable: true}}\n",
       "bad space"},
      {"identifier with a semicolon",
       "operations:\n"
       "  - add_column: {table: users, up: name, "
       "column: {name: 'bad;semi', type: text, nullable: true}}\n",
       "bad;semi"},
      {"second operation invalid after a valid first",
       valid_first + "  - drop_column: {table: users, column: ghostcolumn, down: \"'x'\"}\n",
       "ghostcolumn"},
      {"second operation with a bad type after a valid first",
       valid_first +
           "  - add_column: {table: users, up: name, column: {name: c, type: texx, nullable: "
           "true}}\n",
       "texx"},
  };
  std::string before = CatalogSnapshot(admin);
  ASSERT_FALSE(before.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    Result<migration::Migration> m = migration::ParseMigration(c.yaml, "03_bad.yaml");
    std::string message;
    const char* stage = "start";
    if (!m.ok()) {
      stage = "parser";
      message = m.status().message();  // rejected by the parser already
    } else {
      Status status = engine.Start(*m);
      ASSERT_FALSE(status.ok()) << "start accepted it";
      EXPECT_NE(status.code(), Code::kDatabase) << status.ToString();
      message = status.message();
    }
    std::printf("%-52s [%s] -> %s\n", c.label.c_str(), stage, message.c_str());
    EXPECT_NE(message.find(c.culprit), std::string::npos) << message;
    EXPECT_EQ(CatalogSnapshot(admin), before);
  }
}

// ---------------------------------------------------------------------------
// 4. Rollback keeps the writes of both versions.

TEST(EngineRollbackTest, WritesThroughBothVersionsSurviveRollback) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 1000);
  Engine engine = Connect(url, 100);
  std::string before_catalog = CatalogSnapshot(admin);

  ASSERT_TRUE(engine.Start(Parse(kSplitName)).ok());
  pg::Connection old_client = Open(url);
  pg::Connection new_client = Open(url);
  MustRun(new_client, fmt::format("SET search_path TO {}", kVersionSchema));

  MustRun(old_client, "INSERT INTO users (name) VALUES ('Olga Old')");
  MustRun(old_client, "UPDATE users SET name = 'Oscar Updated' WHERE id = 5");
  MustRun(new_client, "INSERT INTO users (first_name, last_name) VALUES ('Nina', 'New')");
  MustRun(new_client, "UPDATE users SET first_name = 'Ned', last_name = 'Changed' WHERE id = 6");
  // Each side sees the other's write in its own shape.
  Result<pg::Rows> seen = new_client.Exec("SELECT first_name, last_name FROM users WHERE id = 5");
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_EQ(seen->Get(0, 0), "Oscar");
  EXPECT_EQ(seen->Get(0, 1), "Updated");

  Status rolled_back = engine.Rollback();
  ASSERT_TRUE(rolled_back.ok()) << rolled_back.ToString();

  Result<pg::Rows> rows = admin.Exec(
      "SELECT (SELECT count(*) FROM users), "
      "(SELECT name FROM users WHERE id = 5), (SELECT name FROM users WHERE id = 6), "
      "(SELECT count(*) FROM users WHERE name = 'Olga Old'), "
      "(SELECT count(*) FROM users WHERE name = 'Nina New'), "
      "(SELECT name FROM users WHERE id = 7)");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->GetInt(0, 0), 1002);
  EXPECT_EQ(rows->Get(0, 1), "Oscar Updated");
  EXPECT_EQ(rows->Get(0, 2), "Ned Changed");
  EXPECT_EQ(rows->GetInt(0, 3), 1);
  EXPECT_EQ(rows->GetInt(0, 4), 1);
  EXPECT_EQ(rows->Get(0, 5), "First7 Last7");

  // Apart from the data, the catalog is back to what it was before start.
  auto without_data = [](std::string snapshot) {
    std::istringstream in(snapshot);
    std::string line, out;
    while (std::getline(in, line)) {
      if (line.rfind("users ", 0) != 0) out += line + "\n";
    }
    return out;
  };
  EXPECT_EQ(without_data(CatalogSnapshot(admin)), without_data(before_catalog));
  Result<nlohmann::json> status = cli::StatusJson(engine);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE((*status)["active"].is_null()) << status->dump();
}

// The session setting selects the version even when search_path does not
// (poolers, apps that set their own search_path): only then does `down` run.
TEST(EngineSelectorTest, ZeroshiftVersionSettingSelectsTheNewVersion) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 100);
  Engine engine = Connect(url, 100);
  ASSERT_TRUE(engine.Start(Parse(kSplitName)).ok());
  std::string view = fmt::format("{}.users", kVersionSchema);

  pg::Connection unselected = Open(url);
  Status refused = unselected.Run(
      fmt::format("INSERT INTO {} (first_name, last_name) VALUES ('Ada', 'Lovelace')", view));
  EXPECT_FALSE(refused.ok()) << "without a selector the write counts as the old version's, so "
                                "`down` must not fill name";
  EXPECT_EQ(refused.sqlstate(), "23502");

  pg::Connection selected = Open(url);
  MustRun(selected, fmt::format("SET zeroshift.version = '{}'", kVersionSchema));
  MustRun(selected,
          fmt::format("INSERT INTO {} (first_name, last_name) VALUES ('Ada', 'Lovelace')", view));
  Result<pg::Rows> rows = admin.Exec("SELECT count(*) FROM users WHERE name = 'Ada Lovelace'");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->GetInt(0, 0), 1);
}

// pgroll's example 35 has `down: event_name`, a column its version lacks.
// pgroll runs it, so must we: start succeeds with a warning that names the
// expression, old-version writes keep working, and only a write through the
// new version fails. A like mistake in `up` (run by the backfill) is refused
// before anything runs.
TEST(EngineWarningTest, DownNamingAMissingColumnWarnsAndFailsOnlyNewVersionWrites) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 10);
  std::vector<std::string> log;
  Options options;
  options.log = [&](const std::string& line) { log.push_back(line); };
  Result<Engine> engine = Engine::Connect(url, std::move(options));
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  ASSERT_TRUE(engine->Init().ok());

  const char* bad_up = R"yaml(operations:
  - alter_column:
      table: users
      column: name
      type: varchar(200)
      up: nickname
      down: name
)yaml";
  Status refused = engine->Start(Parse(bad_up, "03_bad_up.yaml"));
  EXPECT_EQ(refused.code(), Code::kInvalidInput) << refused.ToString();
  EXPECT_NE(refused.message().find("refers to column \"nickname\""), std::string::npos)
      << refused.ToString();
  Result<pg::Rows> migrations = admin.Exec("SELECT count(*) FROM zeroshift.migrations");
  ASSERT_TRUE(migrations.ok());
  EXPECT_EQ(migrations->GetInt(0, 0), 0) << "a refused `up` records nothing";

  const char* bad_down = R"yaml(operations:
  - alter_column:
      table: users
      column: name
      type: varchar(200)
      up: name
      down: event_name
)yaml";
  Result<Plan> plan = engine->PlanMigration(Parse(bad_down, "03_bad_down.yaml"));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->warnings.size(), 1u);
  EXPECT_NE(FormatPlan(*plan).find("-- warning: 03_bad_down.yaml"), std::string::npos);

  Status started = engine->Start(Parse(bad_down, "03_bad_down.yaml"));
  ASSERT_TRUE(started.ok()) << started.ToString();
  bool warned = std::any_of(log.begin(), log.end(), [](const std::string& line) {
    return line.rfind("warning: ", 0) == 0 && line.find("event_name") != std::string::npos &&
           line.find("public_03_bad_down") != std::string::npos;
  });
  EXPECT_TRUE(warned) << "start must say which writes will fail";

  MustRun(admin, "INSERT INTO public.users (name) VALUES ('old version write')");
  pg::Connection new_client = Open(url);
  MustRun(new_client, "SET search_path TO public_03_bad_down");
  Status new_write = new_client.Run("INSERT INTO users (name) VALUES ('new version write')");
  EXPECT_FALSE(new_write.ok());
  EXPECT_EQ(new_write.sqlstate(), "42703") << new_write.ToString();
  ASSERT_TRUE(engine->Rollback().ok());
}

// ---------------------------------------------------------------------------
// 5. State conflicts and resume.

TEST(EngineStateTest, ConflictsAndNotFound) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 100);
  Engine engine = Connect(url);

  Status complete = engine.Complete();
  EXPECT_EQ(complete.code(), Code::kNotFound) << complete.ToString();
  Status rollback = engine.Rollback();
  EXPECT_EQ(rollback.code(), Code::kNotFound) << rollback.ToString();

  ASSERT_TRUE(engine.Start(Parse(kSplitName)).ok());
  std::string active = CatalogSnapshot(admin);
  migration::Migration other = Parse(
      "operations:\n"
      "  - add_column: {table: users, column: {name: age, type: int, nullable: true}}\n",
      "03_add_age.yaml");
  Status second = engine.Start(other);
  EXPECT_EQ(second.code(), Code::kConflict) << second.ToString();
  EXPECT_NE(second.message().find("02_split_name"), std::string::npos) << second.message();
  // The same migration again, while active (not backfilling), is a conflict too.
  Status again = engine.Start(Parse(kSplitName));
  EXPECT_EQ(again.code(), Code::kConflict) << again.ToString();
  EXPECT_EQ(CatalogSnapshot(admin), active);

  ASSERT_TRUE(engine.Complete().ok());
  Status after = engine.Complete();
  EXPECT_EQ(after.code(), Code::kNotFound) << after.ToString();
  Status reapply = engine.Start(Parse(kSplitName));
  EXPECT_EQ(reapply.code(), Code::kConflict) << reapply.ToString();
}

TEST(EngineStateTest, RerunningStartResumesAnInterruptedBackfill) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 1000);
  Engine engine = Connect(url, 100);
  ASSERT_TRUE(engine.Start(Parse(kSplitName)).ok());

  // Simulate a crash after the batch that ended at id 500: the step is still
  // backfilling, the cursor points at 500 and later rows were never touched.
  MustRun(admin,
          "UPDATE zeroshift.migrations SET step = 'backfilling' WHERE name = "
          "'02_split_name'");
  MustRun(admin,
          "UPDATE zeroshift.backfill_cursors SET last_key = '[\"500\"]', rows_done = "
          "500, finished = false");
  // Behind the trigger (ENABLE ALWAYS: session_replication_role does not stop
  // it). The marker says which rows the resumed backfill still owes.
  MustRun(admin,
          "ALTER TABLE users DISABLE TRIGGER \"~zs_public_users_dual_write\"; "
          "UPDATE users SET first_name = NULL, last_name = NULL, _zs_synced = NULL WHERE id > 500; "
          "UPDATE users SET first_name = 'Keep', last_name = 'Me' WHERE id = 10; "
          "ALTER TABLE users ENABLE ALWAYS TRIGGER \"~zs_public_users_dual_write\"");

  Status resumed = engine.Start(Parse(kSplitName));
  ASSERT_TRUE(resumed.ok()) << resumed.ToString();
  Result<pg::Rows> rows = admin.Exec(
      "SELECT (SELECT count(*) FROM users WHERE first_name IS NULL OR last_name IS NULL), "
      "(SELECT first_name || ' ' || last_name FROM users WHERE id = 777), "
      "(SELECT first_name FROM users WHERE id = 10), "
      "(SELECT step FROM zeroshift.migrations WHERE name = '02_split_name')");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->GetInt(0, 0), 0);
  EXPECT_EQ(rows->Get(0, 1), "First777 Last777");
  EXPECT_EQ(rows->Get(0, 2), "Keep") << "rows before the cursor were backfilled again";
  EXPECT_EQ(rows->Get(0, 3), "active");
}

// ---------------------------------------------------------------------------
// 6. The real binary.

TEST(EngineCliTest, HelpAndMissingFile) {
  ProcessRun help = RunBinary({"--help"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_NE(help.out.find("start"), std::string::npos) << help.out;

  ProcessRun missing = RunBinary({"start", "missing.yaml"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("missing.yaml"), std::string::npos) << missing.err;
  ASSERT_FALSE(missing.err.empty());
  EXPECT_EQ(missing.err.find('\n'), missing.err.size() - 1) << "not one line: " << missing.err;
}

TEST(EngineCliTest, InitStartStatusComplete) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 1000);
  fs::path file = fs::temp_directory_path() /
                  fmt::format("zs_engine_cli_{}", static_cast<long>(getpid())) /
                  "02_split_name.yaml";
  fs::create_directories(file.parent_path());
  std::ofstream(file) << kSplitName;

  ProcessRun init = RunBinary({"init", "--postgres-url", url});
  EXPECT_EQ(init.exit_code, 0) << init.err;
  ProcessRun start = RunBinary({"start", file.string(), "--postgres-url", url});
  EXPECT_EQ(start.exit_code, 0) << start.err;
  ProcessRun status = RunBinary({"status", "--postgres-url", url});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("\"step\": \"active\""), std::string::npos) << status.out;
  nlohmann::json json = nlohmann::json::parse(status.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << status.out;
  EXPECT_EQ(json["active"]["name"], "02_split_name");
  EXPECT_EQ(json["active"]["version_schema"], kVersionSchema);

  ProcessRun complete = RunBinary({"complete", "--postgres-url", url});
  EXPECT_EQ(complete.exit_code, 0) << complete.err;
  ProcessRun done = RunBinary({"status", "--postgres-url", url});
  EXPECT_EQ(done.exit_code, 0) << done.err;
  nlohmann::json after = nlohmann::json::parse(done.out, nullptr, false);
  ASSERT_FALSE(after.is_discarded()) << done.out;
  EXPECT_TRUE(after["active"].is_null()) << done.out;
  EXPECT_EQ(after["status"], "complete");
  fs::remove_all(file.parent_path());
}

// kill -9 of the real binary mid-backfill, then `zeroshift backfill` resumes:
// every row ends up split, and the saved row count matches the table exactly
// (the killed batch rolled back together with its cursor).
TEST(EngineCliTest, BackfillResumesAfterKillNine) {
  constexpr int kRows = 200000;
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, kRows);
  MustRun(admin, "ANALYZE users");
  fs::path dir =
      fs::temp_directory_path() / fmt::format("zs_engine_kill_{}", static_cast<long>(getpid()));
  fs::create_directories(dir);
  fs::path file = dir / "02_split_name.yaml";
  std::ofstream(file) << kSplitName;
  ASSERT_EQ(RunBinary({"init", "--postgres-url", url}).exit_code, 0);

  std::vector<std::string> args = {
      ZS_BINARY, "start", file.string(), "--postgres-url", url, "--backfill-max-rows", "2000"};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ASSERT_EQ(spawned, 0) << std::strerror(spawned);

  auto rows_done = [&admin] {
    Result<pg::Rows> rows = admin.Exec(
        "SELECT coalesce(min(rows_done), 0) FROM zeroshift.backfill_cursors "
        "WHERE to_regclass('zeroshift.backfill_cursors') IS NOT NULL");
    return rows.ok() && !rows->empty() ? rows->GetInt(0, 0) : 0LL;
  };
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (rows_done() < 10000 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  long long before_kill = rows_done();
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int wait_status = 0;
  ASSERT_EQ(waitpid(pid, &wait_status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wait_status)) << "the binary finished before it was killed";
  ASSERT_GE(before_kill, 10000);
  ASSERT_LT(before_kill, kRows) << "the backfill finished before the kill";

  // The server ends the killed client's session (and frees its lock) once it
  // notices the closed socket.
  deadline = Clock::now() + std::chrono::seconds(30);
  for (;;) {
    Result<pg::Rows> others = admin.Exec(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
        "pg_backend_pid()");
    ASSERT_TRUE(others.ok());
    if (others->GetInt(0, 0) == 0 || Clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ProcessRun status = RunBinary({"backfill", "status", "--postgres-url", url});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json interrupted = nlohmann::json::parse(status.out, nullptr, false);
  ASSERT_FALSE(interrupted.is_discarded()) << status.out;
  EXPECT_EQ(interrupted["backfill"][0]["state"], "interrupted") << status.out;

  ProcessRun resume = RunBinary({"backfill", "--json", "--postgres-url", url});
  ASSERT_EQ(resume.exit_code, 0) << resume.err;
  std::vector<nlohmann::json> events;
  std::istringstream lines(resume.out);
  for (std::string line; std::getline(lines, line);) {
    events.push_back(nlohmann::json::parse(line, nullptr, false));
    ASSERT_FALSE(events.back().is_discarded()) << line;
  }
  ASSERT_GE(events.size(), 2u) << resume.out;
  EXPECT_EQ(events.front()["event"], "start");
  EXPECT_GE(events.front()["rows_done"].get<long long>(), before_kill) << "did not resume";
  EXPECT_EQ(events.back()["event"], "done");

  Result<pg::Rows> check = admin.Exec(
      "SELECT (SELECT count(*) FROM users WHERE first_name IS DISTINCT FROM "
      "split_part(name, ' ', 1) OR last_name IS DISTINCT FROM split_part(name, ' ', 2)), "
      "(SELECT min(rows_done) FROM zeroshift.backfill_cursors), "
      "(SELECT max(rows_done) FROM zeroshift.backfill_cursors), "
      "(SELECT step FROM zeroshift.migrations)");
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ(check->GetInt(0, 0), 0);
  EXPECT_EQ(check->GetInt(0, 1), kRows);
  EXPECT_EQ(check->GetInt(0, 2), kRows);
  EXPECT_EQ(check->Get(0, 3), "active");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace zs::engine
