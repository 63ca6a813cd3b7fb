// Test helpers for the failover suites (failover_test.cc: synchronous
// replication and switchover; failover_async_test.cc: an asynchronous standby
// that missed the primary's last transactions): a primary with a streaming
// standby, clients writing through both versions, the binary pointed at
// either server, and checks of every acknowledged write in each shape.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pg/connection.h"
#include "servers/temp_cluster.h"
#include "testing/seed_migration.h"
#include "testing/test_support.h"

namespace zs::engine::failover {

using servers::StandbyOptions;
using servers::StopMode;
using servers::TempCluster;
using zs::testing::ProcessRun;

inline constexpr int kRows = 3000;      // users 1..3000
inline constexpr int kBatchRows = 100;  // fixed batches: the cursor moves by 100 rows
inline constexpr const char* kNewVersion = "public_02_split_name";

// A primary and its streaming standby, each with the database `app` (created
// on the primary before the base backup, so the standby has it too).
struct ClusterPair {
  std::unique_ptr<TempCluster> primary;
  std::unique_ptr<TempCluster> standby;
  std::string primary_url;
  std::string standby_url;
};

inline ClusterPair StartPair(bool synchronous) {
  ClusterPair pair;
  Result<std::unique_ptr<TempCluster>> primary = TempCluster::Start();
  EXPECT_TRUE(primary.ok()) << primary.status().ToString();
  if (!primary.ok()) std::abort();
  pair.primary = std::move(primary).value();
  Result<std::string> url = pair.primary->CreateDatabase("app");
  EXPECT_TRUE(url.ok()) << url.status().ToString();
  if (!url.ok()) std::abort();
  pair.primary_url = *url;
  Result<std::unique_ptr<TempCluster>> standby =
      pair.primary->StartStandby(StandbyOptions{.synchronous = synchronous});
  EXPECT_TRUE(standby.ok()) << standby.status().ToString();
  if (!standby.ok()) std::abort();
  pair.standby = std::move(standby).value();
  pair.standby_url = pair.standby->Url("app");
  return pair;
}

// The migration file (the seed's split_name) in a directory of its own.
class MigrationFile {
 public:
  MigrationFile() {
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("zs_failover_{}_{}", static_cast<long>(getpid()), counter()++);
    std::filesystem::create_directories(dir_);
    std::ofstream(path()) << zs::testing::kSplitNameYaml;
  }
  ~MigrationFile() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string path() const { return (dir_ / "02_split_name.yaml").string(); }

 private:
  static std::atomic<int>& counter() {
    static std::atomic<int> value{0};
    return value;
  }
  std::filesystem::path dir_;
};

// The binary with `args` against `url`; with `fault`, ZS_FAULT_AT for this run.
inline ProcessRun Zeroshift(const std::string& url, std::vector<std::string> args,
                            const std::string& fault = "") {
  args.insert(args.end(), {"--postgres-url", url});
  if (!fault.empty()) setenv("ZS_FAULT_AT", fault.c_str(), 1);
  ProcessRun run = zs::testing::RunBinary(args);
  unsetenv("ZS_FAULT_AT");
  return run;
}

// Fixed 100-row batches and a lock_timeout long enough that a batch behind a
// test's row lock is still waiting when the test acts.
inline std::vector<std::string> BatchArgs() {
  const std::string rows = std::to_string(kBatchRows);
  return {"--backfill-batch-size",
          rows,
          "--backfill-min-rows",
          rows,
          "--backfill-max-rows",
          rows,
          "--lock-timeout",
          "60000",
          "--quiet"};
}

inline std::vector<std::string> StartArgs(const MigrationFile& file) {
  std::vector<std::string> args = {"start", file.path()};
  for (auto& arg : BatchArgs()) args.push_back(arg);
  return args;
}

// `zeroshift backfill` against `url`, for SpawnBinary.
inline std::vector<std::string> BackfillArgs(const std::string& url) {
  std::vector<std::string> args = {"backfill"};
  for (auto& arg : BatchArgs()) args.push_back(arg);
  args.insert(args.end(), {"--postgres-url", url});
  return args;
}

// `zeroshift status` as JSON, or a failed test and a null.
inline nlohmann::json StatusJson(const std::string& url) {
  ProcessRun run = Zeroshift(url, {"status"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  nlohmann::json json = nlohmann::json::parse(run.out, nullptr, false);
  EXPECT_FALSE(json.is_discarded()) << run.out;
  return json.is_discarded() ? nlohmann::json() : json;
}

// One value of `sql` on `url` ("" for NULL or no row; the error text on failure).
inline std::string Value(const std::string& url, const std::string& sql) {
  Result<pg::Connection> conn = pg::Connection::Open(url);
  if (!conn.ok()) return "connect failed: " + conn.status().ToString();
  Result<pg::Rows> rows = conn->Exec(sql);
  if (!rows.ok()) return "query failed: " + rows.status().ToString();
  return rows->empty() ? "" : rows->Get(0, 0);
}

// The backfill cursor's rows_done on `url` (-1 when there is none yet).
inline long long CursorRows(const std::string& url) {
  std::string text =
      Value(url,
            "SELECT coalesce(max(rows_done), -1) FROM zeroshift.backfill_cursors WHERE "
            "to_regclass('zeroshift.backfill_cursors') IS NOT NULL");
  return text.empty() || !std::isdigit(static_cast<unsigned char>(text.back())) ? -1
                                                                                : std::stoll(text);
}

// Kills `start` (ZS_FAULT_AT) at successive boundaries, rolling back in
// between, until one leaves the migration backfilling: its DDL is done (a
// test's row lock would block it) and `zeroshift backfill` resumes from there.
inline void CrashStartIntoBackfill(const std::string& url, const MigrationFile& file) {
  for (int boundary = 1; boundary < 100; ++boundary) {
    ProcessRun crashed = Zeroshift(url, StartArgs(file), fmt::format("start:{}", boundary));
    ASSERT_EQ(crashed.exit_code, -1) << "start finished before its backfill: " << crashed.err;
    if (Zeroshift(url, {"status"}).out.find("\"step\": \"backfilling\"") != std::string::npos) {
      return;
    }
    ProcessRun rollback = Zeroshift(url, {"rollback"});
    ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  }
  FAIL() << "start never reached its backfill";
}

// An acknowledged write: the row's id and its new-shape values.
struct Write {
  long long id = 0;
  std::string first;
  std::string last;
};

enum class Version { kOld, kNew };

// A client writing rows through one version, as fast as it can, until it is
// stopped or its connection fails. Acknowledged: INSERT ... RETURNING came
// back, i.e. the commit returned success.
class Writer {
 public:
  Writer(std::string url, Version version, int number)
      : url_(std::move(url)), version_(version), number_(number) {}
  ~Writer() { Stop(); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void Begin() {
    thread_ = std::thread([this] { Loop(); });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int acked() const { return acked_count_.load(); }
  std::vector<Write> Acked() const {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_;
  }
  // The error that ended the loop ("" when stopped, or none yet).
  std::string error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

 private:
  void Loop() {
    Result<pg::Connection> conn = pg::Connection::Open(url_);
    zs::Status ready = conn.status();
    if (ready.ok() && version_ == Version::kNew) {
      ready = conn->Run(fmt::format("SET search_path TO {}, public", kNewVersion));
    }
    if (!ready.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = ready.ToString();
      return;
    }
    const char* who = version_ == Version::kOld ? "Old" : "New";
    for (int i = 0; !stop_; ++i) {
      Write write{.first = fmt::format("{}{}", who, i), .last = fmt::format("Writer{}", number_)};
      Result<pg::Rows> rows =
          version_ == Version::kOld
              ? conn->ExecParams("INSERT INTO users (name) VALUES ($1) RETURNING id",
                                 {write.first + " " + write.last})
              : conn->ExecParams(
                    "INSERT INTO users (first_name, last_name) VALUES ($1, $2) RETURNING id",
                    {write.first, write.last});
      std::lock_guard<std::mutex> lock(mu_);
      if (!rows.ok()) {
        error_ = rows.status().ToString();
        return;
      }
      write.id = rows->GetInt(0, 0);
      acked_.push_back(write);
      ++acked_count_;
    }
  }

  std::string url_;
  Version version_;
  int number_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> acked_count_{0};
  mutable std::mutex mu_;
  std::vector<Write> acked_;
  std::string error_;
};

// Which shapes a write must be readable in.
enum class Shapes { kBoth, kOldOnly, kNewOnly };

// Every write in `writes` is on `url`, readable in `shapes`: the old shape
// through public.users (name), the new one through the version schema (or
// public.users once complete made it the only one). Failures name the row.
inline void ExpectWritesPresent(const std::string& url, const std::vector<Write>& writes,
                                Shapes shapes) {
  Result<pg::Connection> conn = pg::Connection::Open(url);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  for (const Write& w : writes) {
    const std::string id = std::to_string(w.id);
    if (shapes != Shapes::kNewOnly) {
      Result<pg::Rows> old_shape =
          conn->ExecParams("SELECT name FROM public.users WHERE id = $1", {id});
      ASSERT_TRUE(old_shape.ok()) << old_shape.status().ToString();
      ASSERT_EQ(old_shape->size(), 1) << "acknowledged write " << id << " is missing";
      EXPECT_EQ(old_shape->Get(0, 0), w.first + " " + w.last) << "row " << id;
    }
    if (shapes != Shapes::kOldOnly) {
      std::string table =
          shapes == Shapes::kNewOnly ? "public.users" : fmt::format("{}.users", kNewVersion);
      Result<pg::Rows> new_shape = conn->ExecParams(
          fmt::format("SELECT first_name, last_name FROM {} WHERE id = $1", table), {id});
      ASSERT_TRUE(new_shape.ok()) << new_shape.status().ToString();
      ASSERT_EQ(new_shape->size(), 1) << "acknowledged write " << id << " is missing";
      EXPECT_EQ(new_shape->Get(0, 0), w.first) << "row " << id;
      EXPECT_EQ(new_shape->Get(0, 1), w.last) << "row " << id;
    }
  }
}

// An error a client gets when its server goes away mid-statement: the
// connection broke (libpq: no SQLSTATE, or class 08) or the server said it
// was shutting down (class 57: admin_shutdown, crash_shutdown), never a
// constraint or data error.
inline bool IsConnectionError(const zs::Status& status) {
  const std::string& state = status.sqlstate();
  return !status.ok() && (state.empty() || state.rfind("08", 0) == 0 || state.rfind("57", 0) == 0);
}

}  // namespace zs::engine::failover
