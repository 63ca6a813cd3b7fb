// The acceptance test of the core, against a real throwaway PostgreSQL: old
// and new clients writing through start and complete lose no write.
#include <fcntl.h>
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

using Clock = std::chrono::steady_clock;

std::pair<std::string, std::string> Split(const std::string& name) {
  auto space = name.find(' ');
  return {name.substr(0, space), name.substr(space + 1)};
}

// ---------------------------------------------------------------------------
// 1. The acceptance test of the core.

using Expected = test_util::WrittenRow;
using Recorder = test_util::WriteLog;

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
  migration::Migration m = SplitName();
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

}  // namespace
}  // namespace zs::engine
