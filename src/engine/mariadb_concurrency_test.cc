// The seed's split on MariaDB under many clients (issue 17, "Done when"),
// through the built binary: 4 old clients write `name` (inserts, updates,
// deletes) from before `start` until after it, 4 new clients (USE the
// version database + SET @zeroshift_version) write first_name/last_name from
// after `start` until after `complete`. Each client logs what it wrote; after
// complete no write is lost, every row is split right, and no client saw an
// error. The phases follow counts of writes, never time.
//
// The old clients stop before `complete`: dropping `name` is what makes a v1
// client fail, by design (../shared/design/mariadb.md), so a write of `name`
// after it is no test of zeroshift. MariaDB has no old version database yet
// (README, "Not on MariaDB yet": old clients use the tables), so the old
// clients run `status`'s old_clients_sql, which selects the base tables.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "engine/mariadb_engine_test_util.h"
#include "mysql/connection.h"
#include "testing/write_log.h"

namespace zs::engine {
namespace {

using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

constexpr int kConcurrencyRows = 5000;
constexpr int kConcurrencyClients = 4;  // of each kind
// Writes each phase waits for (all clients of a kind together).
constexpr long long kWritesPerPhase = 300;
// A client keeps this many of its original rows undeleted.
constexpr size_t kKeepOwnedRows = 100;

// What a row must hold at the end; deleted rows must be gone.
struct Written {
  std::string first;
  std::string last;
  std::string writer;  // for messages
  bool deleted = false;
};

using WriteLog = zs::testing::WriteLog<Written>;

// Client `slot` (0-7: old clients 0-3, new ones 4-7) owns the original rows
// with id % 8 == slot, so no two clients race on one row, and inserts ids
// from its own range.
struct Client {
  int slot = 0;
  std::string setup_sql[2];  // USE ...; SET @zeroshift_version = ...
  // The statement that writes `tag` into row `id` (insert or update), and
  // what the row then holds.
  std::function<std::string(long long id, const std::string& tag, bool insert)> write_sql;
  std::function<Written(const std::string& tag, bool insert)> expected;
};

std::vector<long long> OwnedRows(int slot) {
  std::vector<long long> ids;
  for (long long id = 1; id <= kConcurrencyRows; ++id) {
    if (id % 8 == slot) ids.push_back(id);
  }
  return ids;
}

// Writes until `stop`: per eight operations four updates, three inserts and
// one delete of an owned row; each write that succeeded is logged.
void RunClient(const std::string& url, const Client& client, std::atomic<bool>& stop, WriteLog& log,
               std::atomic<long long>& writes) {
  Result<mysql::Connection> opened =
      mysql::Connection::Open(url, {.program_name = "zs-test-client", .read_committed = false});
  if (!opened.ok()) return log.Error("connect: " + opened.status().ToString());
  mysql::Connection conn = std::move(*opened);
  for (const std::string& sql : client.setup_sql) {
    if (Status status = conn.Run(sql); !status.ok())
      return log.Error(sql + ": " + status.ToString());
  }
  std::vector<long long> owned = OwnedRows(client.slot);
  std::mt19937_64 rng(client.slot);
  for (long long k = 0; !stop.load(); ++k) {
    std::string tag = fmt::format("{}x{}", client.slot, k);
    std::uniform_int_distribution<size_t> pick(0, owned.size() - 1);
    size_t at = pick(rng);
    long long id = owned[at];
    std::string sql;
    Written written;
    int op = static_cast<int>(k % 8);
    if (op == 7 && owned.size() > kKeepOwnedRows) {
      sql = fmt::format("DELETE FROM users WHERE id = {}", id);
      written = {.writer = "delete", .deleted = true};
      owned.erase(owned.begin() + static_cast<long>(at));
    } else {
      bool insert = op % 2 == 1;
      if (insert) id = 1000000LL * (client.slot + 1) + k;
      sql = client.write_sql(id, tag, insert);
      written = client.expected(tag, insert);
    }
    Result<mysql::Rows> done = conn.Exec(sql);
    if (!done.ok()) {
      log.Error(sql + ": " + done.status().ToString());
      continue;
    }
    if (done->AffectedRows() != 1) log.Error(fmt::format("{}: {} rows", sql, done->AffectedRows()));
    log.Set(id, std::move(written));
    writes.fetch_add(1);
  }
}

Client OldClient(const MariadbSplit& split, int slot) {
  Client c{.slot = slot,
           .setup_sql = {"USE `" + split.database() + "`", "SET @zeroshift_version = NULL"}};
  c.write_sql = [](long long id, const std::string& tag, bool insert) {
    std::string name = fmt::format("'Old{} Client{}'", tag, tag);
    return insert ? fmt::format("INSERT INTO users (id, name) VALUES ({}, {})", id, name)
                  : fmt::format("UPDATE users SET name = {} WHERE id = {}", name, id);
  };
  c.expected = [](const std::string& tag, bool insert) {
    return Written{.first = "Old" + tag,
                   .last = "Client" + tag,
                   .writer = insert ? "old insert" : "old update"};
  };
  return c;
}

Client NewClient(const MariadbSplit& split, int slot) {
  Client c{.slot = slot,
           .setup_sql = {"USE `" + split.version() + "`",
                         "SET @zeroshift_version = '" + split.version() + "'"}};
  c.write_sql = [](long long id, const std::string& tag, bool insert) {
    return insert ? fmt::format(
                        "INSERT INTO users (id, first_name, last_name) VALUES ({}, "
                        "'NewFirst{}', 'NewLast{}')",
                        id, tag, tag)
                  : fmt::format(
                        "UPDATE users SET first_name = 'NewFirst{}', last_name = "
                        "'NewLast{}' WHERE id = {}",
                        tag, tag, id);
  };
  c.expected = [](const std::string& tag, bool insert) {
    return Written{.first = "NewFirst" + tag,
                   .last = "NewLast" + tag,
                   .writer = insert ? "new insert" : "new update"};
  };
  return c;
}

// Blocks until `writes` reaches `count` (the deadline only turns a hang,
// such as every client failing, into a failure).
bool WaitForWrites(const std::atomic<long long>& writes, long long count) {
  return zs::testing::WaitUntil([&] { return writes.load() >= count; }, std::chrono::seconds(120));
}

// The clients of one kind, stopped and joined by Stop() or the destructor.
class Clients {
 public:
  Clients(const std::string& url, std::vector<Client> clients, WriteLog& log) {
    for (Client& client : clients) {
      threads_.emplace_back([this, url, client = std::move(client), &log] {
        RunClient(url, client, stop_, log, writes_);
      });
    }
  }
  ~Clients() { Stop(); }
  void Stop() {
    stop_ = true;
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  const std::atomic<long long>& writes() const { return writes_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<long long> writes_{0};
  std::vector<std::thread> threads_;
};

// Compares the table with the log: every logged write is there (or the row
// is gone when deleted), every other original row holds its own split, no
// other row exists. Returns the differences (the first 20).
std::vector<std::string> CompareWithLog(MariadbSplit& split,
                                        const std::map<long long, Written>& log) {
  std::map<long long, std::pair<std::string, std::string>> actual;
  for (const std::string& row : split.Query("SELECT CONCAT_WS('|', id, COALESCE(first_name, "
                                            "'NULL'), COALESCE(last_name, 'NULL')) FROM users")) {
    size_t bar = row.find('|'), second = row.find('|', bar + 1);
    actual[std::stoll(row.substr(0, bar))] = {row.substr(bar + 1, second - bar - 1),
                                              row.substr(second + 1)};
  }
  std::vector<std::string> out;
  auto report = [&](std::string message) {
    if (out.size() < 20) out.push_back(std::move(message));
  };
  for (const auto& [id, want] : log) {
    auto it = actual.find(id);
    if (want.deleted) {
      if (it != actual.end()) report(fmt::format("row {} was deleted but is there", id));
      continue;
    }
    if (it == actual.end()) {
      report(fmt::format("row {} ({}) is missing", id, want.writer));
    } else if (it->second != std::make_pair(want.first, want.last)) {
      report(fmt::format("row {} ({}): ({}, {}), want ({}, {})", id, want.writer, it->second.first,
                         it->second.second, want.first, want.last));
    }
  }
  for (const auto& [id, got] : actual) {
    if (log.count(id) > 0) continue;
    if (id > kConcurrencyRows) {
      report(fmt::format("row {} was never written", id));
    } else if (got != std::make_pair(fmt::format("First{}", id), fmt::format("Last{}", id))) {
      report(fmt::format("untouched row {}: ({}, {})", id, got.first, got.second));
    }
  }
  for (long long id = 1; id <= kConcurrencyRows; ++id) {
    if (log.count(id) == 0 && actual.count(id) == 0) report(fmt::format("row {} vanished", id));
  }
  return out;
}

TEST(MariadbConcurrency, OldAndNewClientsLoseNoWriteThroughStartAndComplete) {
  MariadbSplit split;
  split.Run("DELETE FROM users");
  split.Run(
      fmt::format("INSERT INTO users (id, name) SELECT seq, CONCAT('First', seq, ' Last', seq) "
                  "FROM seq_1_to_{}",
                  kConcurrencyRows));
  ASSERT_EQ(split.Zeroshift({"init"}).exit_code, 0);
  WriteLog log;

  std::vector<Client> old_kind, new_kind;
  for (int t = 0; t < kConcurrencyClients; ++t) {
    old_kind.push_back(OldClient(split, t));
    new_kind.push_back(NewClient(split, kConcurrencyClients + t));
  }
  Clients old_clients(split.url(), std::move(old_kind), log);
  ASSERT_TRUE(WaitForWrites(old_clients.writes(), kWritesPerPhase));

  long long old_before_start = old_clients.writes().load();
  ProcessRun start = split.Zeroshift({"start", split.file()});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  long long old_after_start = old_clients.writes().load();

  Clients new_clients(split.url(), std::move(new_kind), log);
  ASSERT_TRUE(WaitForWrites(new_clients.writes(), kWritesPerPhase));
  ASSERT_TRUE(WaitForWrites(old_clients.writes(), old_after_start + kWritesPerPhase));
  old_clients.Stop();

  long long new_before_complete = new_clients.writes().load();
  ProcessRun complete = split.Zeroshift({"complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  long long new_after_complete = new_clients.writes().load();
  ASSERT_TRUE(WaitForWrites(new_clients.writes(), new_after_complete + kWritesPerPhase));
  new_clients.Stop();
  std::printf(
      "old writes: %lld before start, %lld during it, %lld in all; new writes: %lld "
      "during complete, %lld in all\n",
      old_before_start, old_after_start - old_before_start, old_clients.writes().load(),
      new_after_complete - new_before_complete, new_clients.writes().load());

  std::vector<std::string> errors = log.errors();
  for (size_t i = 0; i < errors.size() && i < 20; ++i) ADD_FAILURE() << "client: " << errors[i];
  EXPECT_EQ(errors.size(), 0u);
  EXPECT_EQ(split.Columns(), (std::vector<std::string>{"id", "first_name", "last_name"}));
  EXPECT_TRUE(split.Triggers().empty());
  std::map<long long, Written> written = log.rows();
  int deletes = 0;
  for (const auto& [id, w] : written) deletes += w.deleted ? 1 : 0;
  EXPECT_GT(deletes, 0);
  for (const std::string& difference : CompareWithLog(split, written)) ADD_FAILURE() << difference;
}

}  // namespace
}  // namespace zs::engine
