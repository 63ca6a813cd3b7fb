// Helpers of the MariaDB lab tests (mariadb_lab_test.cc,
// mariadb_comparison_test.cc): connections, event-ordered waits, and a row
// lock that makes the naive script's UPDATE stall until a client is seen
// waiting behind it, so a lock wait is certain on a small table.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "lab/mariadb_users_table.h"
#include "lab/scenario.h"
#include "mysql/connection.h"
#include "testing/shared_mariadb.h"

namespace zs::lab::mariadb_lab_test {

inline mysql::Connection OpenMariadb(const std::string& url,
                                     const mysql::SessionSettings& settings = {}) {
  Result<mysql::Connection> conn = mysql::Connection::Open(url, settings);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) std::abort();
  return std::move(conn).value();
}

inline std::string LoadedMariadb(long long rows) {
  std::string url = testing::FreshMariadbDatabaseUrl();
  mysql::Connection conn = OpenMariadb(url);
  Status loaded = MariadbLoadUsers(conn, rows);
  EXPECT_TRUE(loaded.ok()) << loaded.ToString();
  return url;
}

inline void SleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Polls `condition` every 10 ms for up to 30 s (a bound for a broken test,
// not a timing assertion).
template <typename Condition>
inline bool EventuallyTrue(Condition condition) {
  for (int i = 0; i < 3000; ++i) {
    if (condition()) return true;
    SleepMs(10);
  }
  return false;
}

// Sessions whose InnoDB transaction waits for a row lock.
inline long long RowLockWaiters(mysql::Connection& conn) {
  Result<mysql::Rows> rows =
      conn.Exec("SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'");
  return rows.ok() ? rows->GetInt(0, 0) : -1;
}

// Client writes running for over 200 ms: with the UPDATE held still by the
// test, they wait for its row locks.
inline long long ClientWritesWaitingLong(mysql::Connection& conn) {
  Result<mysql::Rows> rows = conn.Exec(
      "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE TIME_MS > 200 AND "
      "(INFO LIKE 'UPDATE users SET name%' OR INFO LIKE 'INSERT INTO users%')");
  return rows.ok() ? rows->GetInt(0, 0) : -1;
}

// Holds the table's last row from the moment the naive script's UPDATE is
// about to start: the UPDATE then stops there with every row before it
// locked, and the lock is released only once a client is seen waiting behind
// it (plus several sampling intervals). That makes the writers' lock wait
// certain on a small table.
class HoldLastRowDuringUpdate {
 public:
  HoldLastRowDuringUpdate(std::string url, long long last_id)
      : url_(std::move(url)), last_id_(last_id) {}
  ~HoldLastRowDuringUpdate() {
    if (thread_.joinable()) thread_.join();
  }

  void OnStep(const StepResult& step, bool finished) {
    if (finished || step.name.rfind("UPDATE", 0) != 0) return;
    auto conn = std::make_shared<mysql::Connection>(OpenMariadb(url_));
    EXPECT_TRUE(conn->Run("BEGIN").ok());
    EXPECT_TRUE(
        conn->Run(fmt::format("SELECT id FROM users WHERE id = {} FOR UPDATE", last_id_)).ok());
    thread_ = std::thread([this, conn] {
      // A client write running for 200 ms waits for the UPDATE's row locks.
      // Watched through PROCESSLIST, not INNODB_TRX: polling that cache
      // faster than every 100 ms freezes it (see mariadb_scenario.cc), for
      // the scenario's sampler too.
      mysql::Connection watcher = OpenMariadb(url_);
      saw_client_wait_ = EventuallyTrue([&] { return ClientWritesWaitingLong(watcher) >= 1; });
      SleepMs(800);  // several of the sampler's 150 ms intervals
      EXPECT_TRUE(conn->Run("ROLLBACK").ok());
    });
  }
  bool saw_client_wait() const { return saw_client_wait_; }

 private:
  std::string url_;
  long long last_id_;
  std::thread thread_;
  std::atomic<bool> saw_client_wait_{false};
};

}  // namespace zs::lab::mariadb_lab_test
