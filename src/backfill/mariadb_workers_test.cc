// The parallel backfill on MariaDB (`--backfill-workers N`, workers.h),
// through the built binary against a real throwaway MariaDB: every row right
// and each row walked once (the ranges' rows add up to the table), a kill -9
// part-way and a re-run with another N resuming each saved range where it
// stopped, old and new clients writing during a two-worker backfill losing
// no write, a composite key in its column's collation split where the
// server's own ORDER BY puts the split keys.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/mariadb_engine_test_util.h"
#include "mysql/connection.h"

namespace zs::backfill {
namespace {

using engine::mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

// One range cursor as the MariaDB state store keeps it.
struct MariadbRangeRow {
  std::string name;
  std::string start;  // "NULL" when the range starts at the table's first key
  std::string end;    // "NULL" for the open-ended last range
  std::string last_key;
  long long rows_done = 0;
  bool finished = false;
};

std::vector<MariadbRangeRow> MariadbRanges(MariadbSplit& db) {
  std::vector<MariadbRangeRow> out;
  for (const std::string& row : db.Query(fmt::format(
           "SELECT table_name, COALESCE(range_start, 'NULL'), COALESCE(range_end, 'NULL'), "
           "COALESCE(last_key, 'NULL'), rows_done, finished FROM zeroshift.backfill_cursors "
           "WHERE `schema` = '{}' AND table_name LIKE '% range %' ORDER BY table_name",
           db.database()))) {
    std::vector<std::string> parts;
    size_t from = 0;
    for (size_t bar = row.find('|'); bar != std::string::npos; bar = row.find('|', from)) {
      parts.push_back(row.substr(from, bar - from));
      from = bar + 1;
    }
    parts.push_back(row.substr(from));
    out.push_back({.name = parts[0],
                   .start = parts[1],
                   .end = parts[2],
                   .last_key = parts[3],
                   .rows_done = std::stoll(parts[4]),
                   .finished = parts[5] == "1"});
  }
  return out;
}

// The seed's users table with `rows` rows "First<id> Last<id>", statistics fresh.
void FillUsers(MariadbSplit& db, int rows) {
  db.Run("DELETE FROM users");
  db.Run(
      fmt::format("INSERT INTO users (id, name) SELECT seq, CONCAT('First', seq, ' Last', seq) "
                  "FROM seq_1_to_{}",
                  rows));
  db.Run("ANALYZE TABLE users");
}

long long WrongSplitRows(MariadbSplit& db) {
  return std::stoll(db.Query("SELECT COUNT(*) FROM users WHERE NOT (first_name <=> "
                             "SUBSTRING_INDEX(name, ' ', 1)) OR NOT (last_name <=> "
                             "SUBSTRING_INDEX(name, ' ', -1))")
                        .front());
}

long long RangeRowsDone(const std::vector<MariadbRangeRow>& ranges) {
  long long sum = 0;
  for (const auto& range : ranges) sum += range.rows_done;
  return sum;
}

// Range i + 1 starts where range i ends; the first starts at the table's
// first key, the last is open-ended.
void ExpectContiguous(const std::vector<MariadbRangeRow>& ranges) {
  ASSERT_FALSE(ranges.empty());
  EXPECT_EQ(ranges.front().start, "NULL");
  EXPECT_EQ(ranges.back().end, "NULL");
  for (size_t i = 0; i + 1 < ranges.size(); ++i) {
    EXPECT_NE(ranges[i].end, "NULL") << ranges[i].name;
    EXPECT_EQ(ranges[i + 1].start, ranges[i].end) << ranges[i + 1].name;
  }
}

TEST(MariadbBackfillWorkers, TwoWorkersFillEveryRowOnce) {
  MariadbSplit db;
  const int rows = 20000;
  FillUsers(db, rows);
  ASSERT_EQ(db.Zeroshift({"init"}).exit_code, 0);
  ProcessRun start =
      db.Zeroshift({"start", db.file(), "--backfill-workers", "2", "--backfill-max-rows", "500"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(WrongSplitRows(db), 0);
  std::vector<MariadbRangeRow> ranges = MariadbRanges(db);
  ASSERT_EQ(ranges.size(), 2u);
  ExpectContiguous(ranges);
  for (const auto& range : ranges) {
    EXPECT_TRUE(range.finished) << range.name;
    // Near half each (split by ordered offsets on the key's index).
    EXPECT_GT(range.rows_done, rows / 4) << range.name;
  }
  // Each row walked once: a range that ran past its end would count rows
  // of the next one too.
  EXPECT_EQ(RangeRowsDone(ranges), rows);
  std::vector<std::string> total = db.Query(
      fmt::format("SELECT rows_done, finished FROM zeroshift.backfill_cursors WHERE `schema` = "
                  "'{}' AND table_name = 'users.first_name'",
                  db.database()));
  ASSERT_EQ(total.size(), 1u);
  EXPECT_EQ(total.front(), fmt::format("{}|1", rows));
}

// Without --backfill-workers, MariaDB walks a table of 500 000 rows or more
// (workers.h kAutoWorkersMinRows) in two sessions (backfill.cc,
// kBackfillMariadbDefaultWorkers); an explicit 1 keeps one.
TEST(MariadbBackfillWorkers, TwoSessionsByDefaultOnALargeTableOneWhenAsked) {
  MariadbSplit db;
  const int rows = 600000;  // InnoDB's estimate is approximate: a margin above 500 000
  FillUsers(db, rows);
  ASSERT_EQ(db.Zeroshift({"init"}).exit_code, 0);
  ProcessRun start = db.Zeroshift({"start", db.file()});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(WrongSplitRows(db), 0);
  std::vector<MariadbRangeRow> ranges = MariadbRanges(db);
  ASSERT_EQ(ranges.size(), 2u) << start.err;
  ExpectContiguous(ranges);
  EXPECT_EQ(RangeRowsDone(ranges), rows);

  ASSERT_EQ(db.Zeroshift({"rollback"}).exit_code, 0);
  ProcessRun one = db.Zeroshift({"start", db.file(), "--backfill-workers", "1"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(WrongSplitRows(db), 0);
  EXPECT_TRUE(MariadbRanges(db).empty());
}

class MariadbBackfillWorkersResume : public ::testing::TestWithParam<int> {};

TEST_P(MariadbBackfillWorkersResume, EveryRangeResumesWhereItStoppedAfterKill9) {
  const int resume_workers = GetParam();
  MariadbSplit db;
  const int rows = 4000;
  FillUsers(db, rows);
  ASSERT_EQ(db.Zeroshift({"init"}).exit_code, 0);
  // Killed (SIGKILL) at the 40th boundary of start: its actions (each a
  // boundary on MariaDB) and then 20-odd committed batches of two workers.
  ProcessRun killed = db.Zeroshift({"start", db.file(), "--backfill-workers", "2",
                                    "--backfill-max-rows", "40", "--backfill-min-rows", "10"},
                                   "start:40");
  ASSERT_NE(killed.exit_code, 0) << killed.err;
  std::vector<MariadbRangeRow> before = MariadbRanges(db);
  ASSERT_EQ(before.size(), 2u);
  ExpectContiguous(before);
  bool walked = false;
  for (const auto& range : before) {
    EXPECT_FALSE(range.finished) << range.name;
    walked = walked || range.last_key != range.start;
  }
  ASSERT_TRUE(walked);
  long long done_before = RangeRowsDone(before);
  ASSERT_GE(done_before, 8 * 10);
  ASSERT_LT(done_before, rows);

  ProcessRun resumed =
      db.Zeroshift({"backfill", "--backfill-workers", std::to_string(resume_workers)});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  // The saved ranges won over the new count; none went back to its start
  // (its rows would count twice), none ran past its end.
  std::vector<MariadbRangeRow> after = MariadbRanges(db);
  ASSERT_EQ(after.size(), 2u);
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].name, before[i].name);
    EXPECT_EQ(after[i].start, before[i].start);
    EXPECT_EQ(after[i].end, before[i].end);
    EXPECT_TRUE(after[i].finished) << after[i].name;
  }
  EXPECT_EQ(RangeRowsDone(after), rows);
  EXPECT_EQ(WrongSplitRows(db), 0);
}

INSTANTIATE_TEST_SUITE_P(OneAndThreeWorkers, MariadbBackfillWorkersResume, ::testing::Values(1, 3));

// Old clients insert and update their own rows while `start` backfills with
// two workers (the last range is open-ended: their inserts past the split
// are walked too, or already set by the trigger); new clients then write
// through the version. Every write is where its writer left it.
TEST(MariadbBackfillWorkers, OldAndNewClientsLoseNoWriteDuringATwoWorkerBackfill) {
  MariadbSplit db;
  const int rows = 20000;
  const int old_clients = 2;
  FillUsers(db, rows);
  ASSERT_EQ(db.Zeroshift({"init"}).exit_code, 0);
  std::atomic<bool> stop{false};
  std::atomic<long long> writes{0};
  std::mutex mu;
  std::map<long long, std::string> expected;  // id -> "first last"
  std::vector<std::string> errors;
  std::vector<std::thread> clients;
  for (int t = 0; t < old_clients; ++t) {
    clients.emplace_back([&, t] {
      Result<mysql::Connection> opened = mysql::Connection::Open(db.url());
      if (!opened.ok()) {
        std::lock_guard lock(mu);
        errors.push_back(opened.status().ToString());
        return;
      }
      for (long long k = 0; !stop.load(); ++k) {
        // Client t owns the ids 1 + t (mod old_clients + 1); the new client owns the rest.
        long long id = k % 2 == 0 ? 1000000LL * (t + 1) + k
                                  : 1 + t + (old_clients + 1) * ((k * 37) % (rows / 4));
        std::string first = fmt::format("Old{}x{}", t, k), last = fmt::format("Client{}x{}", t, k);
        std::string sql =
            k % 2 == 0
                ? fmt::format("INSERT INTO users (id, name) VALUES ({}, '{} {}')", id, first, last)
                : fmt::format("UPDATE users SET name = '{} {}' WHERE id = {}", first, last, id);
        Status status = opened->Run(sql);
        std::lock_guard lock(mu);
        if (!status.ok()) {
          errors.push_back(sql + ": " + status.ToString());
        } else {
          expected[id] = first + " " + last;
        }
        writes.fetch_add(1);
      }
    });
  }
  ASSERT_TRUE(
      zs::testing::WaitUntil([&] { return writes.load() >= 50; }, std::chrono::seconds(60)));
  long long before_start = writes.load();
  ProcessRun start =
      db.Zeroshift({"start", db.file(), "--backfill-workers", "2", "--backfill-max-rows", "200"});
  long long during_start = writes.load() - before_start;
  // New clients, through the version, while the old ones still write.
  mysql::Connection fresh = db.Connect();
  Status use = fresh.Run("USE `" + db.version() + "`");
  Status set = fresh.Run("SET @zeroshift_version = '" + db.version() + "'");
  for (long long id = old_clients + 1; id <= rows && start.exit_code == 0;
       id += (old_clients + 1) * 67) {
    Status status = fresh.Run(fmt::format(
        "UPDATE users SET first_name = 'New{0}', last_name = 'Name{0}' WHERE id = {0}", id));
    std::lock_guard lock(mu);
    if (!status.ok()) errors.push_back(status.ToString());
    expected[id] = fmt::format("New{0} Name{0}", id);
  }
  stop = true;
  for (auto& client : clients) client.join();
  ASSERT_EQ(start.exit_code, 0) << start.err;
  ASSERT_TRUE(use.ok()) << use.ToString();
  ASSERT_TRUE(set.ok()) << set.ToString();
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_GT(during_start, 0) << "no client wrote while start ran";
  std::vector<MariadbRangeRow> ranges = MariadbRanges(db);
  ASSERT_EQ(ranges.size(), 2u);
  std::map<long long, std::string> actual;
  for (const std::string& row : db.Query("SELECT CONCAT(id, '|', COALESCE(first_name, 'NULL'), "
                                         "' ', COALESCE(last_name, 'NULL')) FROM users")) {
    size_t bar = row.find('|');
    actual[std::stoll(row.substr(0, bar))] = row.substr(bar + 1);
  }
  int lost = 0;
  for (const auto& [id, name] : expected) {
    if (actual[id] != name && ++lost <= 10) {
      ADD_FAILURE() << "row " << id << ": " << actual[id] << " expected " << name;
    }
  }
  EXPECT_EQ(lost, 0);
  for (long long id = 1; id <= rows; ++id) {
    if (expected.count(id) > 0) continue;
    if (actual[id] != fmt::format("First{0} Last{0}", id) && ++lost <= 10) {
      ADD_FAILURE() << "untouched row " << id << ": " << actual[id];
    }
  }
  EXPECT_EQ(lost, 0);
}

// A composite key whose first column compares case- and accent-insensitive:
// the split keys and each range's end must follow the server's own ORDER BY
// (binary order would put "Banana" before "apple" and "Äpfel" last), so each
// range walks exactly the rows the server counts between its bounds.
TEST(MariadbBackfillWorkers, ACompositeKeySplitsInTheColumnsCollation) {
  MariadbSplit db;
  db.Run(
      "CREATE TABLE pairs (tenant varchar(20) COLLATE utf8mb4_general_ci NOT NULL, id int NOT "
      "NULL, name varchar(100) NOT NULL, PRIMARY KEY (tenant, id))");
  db.Run(
      "INSERT INTO pairs (tenant, id, name) SELECT t.tenant, s.seq, CONCAT(t.tenant, ' ', "
      "s.seq) FROM (SELECT 'apple' AS tenant UNION ALL SELECT 'Banana' UNION ALL SELECT "
      "'cherry' UNION ALL SELECT 'Äpfel' UNION ALL SELECT 'zebra' UNION ALL SELECT 'Ünal' "
      "UNION ALL SELECT 'éclair') t CROSS JOIN seq_1_to_1000 s");
  db.Run("ANALYZE TABLE pairs");
  const long long rows = 7000;
  std::string file = db.WriteFile("03_pairs_first.yaml", R"yaml(operations:
  - add_column:
      table: pairs
      up: SUBSTRING_INDEX(name, ' ', 1)
      column: {name: first_word, type: text, nullable: true}
)yaml");
  ASSERT_EQ(db.Zeroshift({"init"}).exit_code, 0);
  ProcessRun start =
      db.Zeroshift({"start", file, "--backfill-workers", "3", "--backfill-max-rows", "300"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(db.Query("SELECT COUNT(*) FROM pairs WHERE NOT (first_word <=> SUBSTRING_INDEX(name, "
                     "' ', 1))")
                .front(),
            "0");
  std::vector<MariadbRangeRow> ranges;
  for (const MariadbRangeRow& range : MariadbRanges(db)) {
    if (range.name.rfind("pairs.", 0) == 0) ranges.push_back(range);
  }
  ASSERT_EQ(ranges.size(), 3u);
  ExpectContiguous(ranges);
  EXPECT_EQ(RangeRowsDone(ranges), rows);
  // Each range's rows, counted by the server between its bounds in the
  // key's own order.
  auto bound = [](const std::string& json, std::string_view op) {
    nlohmann::json key = nlohmann::json::parse(json);
    return fmt::format("(tenant {0} '{1}' OR (tenant = '{1}' AND id {2} {3}))", op.substr(0, 1),
                       key[0].get<std::string>(), op, key[1].get<std::string>());
  };
  for (const auto& range : ranges) {
    std::string where = "TRUE";
    if (range.start != "NULL") where += " AND " + bound(range.start, ">");
    if (range.end != "NULL") where += " AND " + bound(range.end, "<=");
    EXPECT_EQ(std::stoll(db.Query("SELECT COUNT(*) FROM pairs WHERE " + where).front()),
              range.rows_done)
        << range.name << ": " << where;
    EXPECT_GT(range.rows_done, rows / 6) << range.name;
  }
}

}  // namespace
}  // namespace zs::backfill
