// Engine integration tests against a real throwaway PostgreSQL: the
// advisory lock, bad input leaving the catalog untouched, rollback keeping
// every write, the version selector, warnings, state conflicts and resume.
// The concurrency acceptance test is engine_concurrency_test.cc; the CLI
// binary's, engine_cli_test.cc.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli/status_json.h"

#include <csignal>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
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

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "pg/connection.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::engine {
namespace {

using namespace zs::engine::test_util;  // NOLINT: Parse, SplitName, Connect, CreateUsers
using zs::testing::MustRun;
using zs::testing::Open;

using zs::testing::ProcessRun;
using zs::testing::RunBinary;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

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

  Status status = engine.Start(SplitName());
  EXPECT_EQ(status.code(), Code::kConflict) << status.ToString();
  EXPECT_NE(status.message().find("another zeroshift process"), std::string::npos)
      << status.message();
  EXPECT_EQ(CatalogSnapshot(admin), before);

  // Once the lock is released, start goes through.
  MustRun(holder, "SELECT pg_advisory_unlock(hashtext('zeroshift:public'))");
  Status retried = engine.Start(SplitName());
  EXPECT_TRUE(retried.ok()) << retried.ToString();
}

// A lock wait that is retried logs through the engine's callback. The engine
// was returned by value (moved), which once left the retry callback with a
// dangling `this` (a crash the lab hit at contract on 4 M rows).
TEST(EngineLockTest, RetriedLockWaitIsLoggedByAMovedEngine) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 100);
  // The holder commits once the first retry is logged (event-ordered: the
  // engine may take any time to reach its first DDL on a loaded machine).
  struct Log {
    std::mutex mutex;
    std::condition_variable retried;
    std::vector<std::string> lines;
    bool logged = false;
  };
  auto log = std::make_shared<Log>();
  Options options;
  options.retry.lock_timeout = std::chrono::milliseconds(50);
  options.retry.initial_backoff = std::chrono::milliseconds(50);
  options.retry.max_attempts = 1000;  // the holder leaves after the first retry's log line
  options.log = [log](const std::string& line) {
    std::lock_guard<std::mutex> guard(log->mutex);
    log->lines.push_back(line);
    if (line.find("lock not available (attempt 1/") != std::string::npos) {
      log->logged = true;
      log->retried.notify_all();
    }
  };
  Result<Engine> connected = Engine::Connect(url, std::move(options));
  ASSERT_TRUE(connected.ok()) << connected.status().ToString();
  std::optional<Engine> engine;
  engine.emplace(std::move(connected).value());
  ASSERT_TRUE(engine->Init().ok());

  pg::Connection holder = Open(url);
  MustRun(holder, "BEGIN; LOCK TABLE users IN ACCESS SHARE MODE");
  std::thread release([&holder, log] {
    {
      // Bounded only so that a broken engine fails the test instead of hanging it.
      std::unique_lock<std::mutex> lock(log->mutex);
      log->retried.wait_for(lock, std::chrono::minutes(2), [&log] { return log->logged; });
    }
    (void)holder.Run("COMMIT");
  });
  Status status = engine->Start(SplitName());
  release.join();
  EXPECT_TRUE(status.ok()) << status.ToString();
  std::lock_guard<std::mutex> guard(log->mutex);
  EXPECT_TRUE(log->logged) << "no retry was logged";
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

  ASSERT_TRUE(engine.Start(SplitName()).ok());
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
  ASSERT_TRUE(engine.Start(SplitName()).ok());
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

  ASSERT_TRUE(engine.Start(SplitName()).ok());
  std::string active = CatalogSnapshot(admin);
  migration::Migration other = Parse(
      "operations:\n"
      "  - add_column: {table: users, column: {name: age, type: int, nullable: true}}\n",
      "03_add_age.yaml");
  Status second = engine.Start(other);
  EXPECT_EQ(second.code(), Code::kConflict) << second.ToString();
  EXPECT_NE(second.message().find("02_split_name"), std::string::npos) << second.message();
  // The same migration again, while active (not backfilling), is a conflict too.
  Status again = engine.Start(SplitName());
  EXPECT_EQ(again.code(), Code::kConflict) << again.ToString();
  EXPECT_EQ(CatalogSnapshot(admin), active);

  ASSERT_TRUE(engine.Complete().ok());
  Status after = engine.Complete();
  EXPECT_EQ(after.code(), Code::kNotFound) << after.ToString();
  Status reapply = engine.Start(SplitName());
  EXPECT_EQ(reapply.code(), Code::kConflict) << reapply.ToString();
}

TEST(EngineStateTest, RerunningStartResumesAnInterruptedBackfill) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 1000);
  Engine engine = Connect(url, 100);
  ASSERT_TRUE(engine.Start(SplitName()).ok());

  // Simulate a crash after the batch that ended at id 500: the step is still
  // backfilling, the cursor points at 500 and later rows were never touched.
  MustRun(admin,
          "UPDATE zeroshift.migrations SET step = 'backfilling' WHERE name = "
          "'02_split_name'");
  MustRun(admin,
          "UPDATE zeroshift.backfill_cursors SET last_key = '[\"500\"]', rows_done = "
          "500, finished = false");
  // Behind the triggers (one of them fires in every session_replication_role).
  // The marker says which rows the resumed backfill still owes.
  MustRun(admin,
          "ALTER TABLE users DISABLE TRIGGER \"~zs_public_users_dual_write\", DISABLE TRIGGER "
          "\"~zs_public_users_dual_write_o\"; "
          "UPDATE users SET first_name = NULL, last_name = NULL, _zs_synced = NULL WHERE id > 500; "
          "UPDATE users SET first_name = 'Keep', last_name = 'Me' WHERE id = 10; "
          "ALTER TABLE users ENABLE REPLICA TRIGGER \"~zs_public_users_dual_write\", ENABLE "
          "TRIGGER \"~zs_public_users_dual_write_o\"");

  Status resumed = engine.Start(SplitName());
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

}  // namespace
}  // namespace zs::engine
