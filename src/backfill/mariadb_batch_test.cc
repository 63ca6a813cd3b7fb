// MariaDB's batches against a real throwaway MariaDB (testing/shared_mariadb.h),
// driven through the shared batch loop (Backfiller): a 10 000-row table
// backfilled in batches and checked against `up` computed by a SELECT, the
// resume after the session dies mid-batch, composite, collated and binary
// keys, a table without a usable key, and inserts at the end of the table
// during a batch. The cursors live in a test table written through the
// batches' own connection, as the state store's will (CursorStore's contract).
#include "backfill/mariadb_batch.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "backend/mariadb_backend.h"
#include "backfill/backfill.h"
#include "backfill/batch_backend.h"
#include "backfill/cursor_store.h"
#include "testing/shared_mariadb.h"

namespace zs::backfill {
namespace {

// Cursors in a table of the test's database, on the batches' connection:
// a cursor saved inside a batch's transaction commits or rolls back with it.
class MariadbTableCursors final : public CursorStore {
 public:
  explicit MariadbTableCursors(mysql::Connection& conn) : conn_(conn) {}

  Status Init() {
    return conn_.Run(
        "CREATE TABLE IF NOT EXISTS zs_cursors (name varchar(200) PRIMARY KEY, last_key text, "
        "rows_done bigint NOT NULL, finished bool NOT NULL, batch_rows bigint NOT NULL, "
        "rows_estimate bigint NOT NULL, run_rows_start bigint NOT NULL, saves bigint NOT NULL)");
  }

  Result<std::vector<state::BackfillCursor>> Cursors(const std::string&,
                                                     const std::string&) override {
    ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                        conn_.Exec("SELECT name, last_key, rows_done, finished, batch_rows, "
                                   "rows_estimate, run_rows_start FROM zs_cursors"));
    std::vector<state::BackfillCursor> out;
    for (int i = 0; i < rows.size(); ++i) {
      out.push_back({.table = rows.Get(i, 0),
                     .last_key_json = rows.GetOptional(i, 1),
                     .rows_done = rows.GetInt(i, 2),
                     .finished = rows.GetInt(i, 3) != 0,
                     .rows_estimate = rows.GetInt(i, 5),
                     .batch_rows = rows.GetInt(i, 4),
                     .run_rows_start = rows.GetInt(i, 6)});
    }
    return out;
  }

  Status SaveCursor(const std::string&, const std::string&, const state::BackfillCursor& cursor,
                    bool) override {
    ZS_RETURN_IF_ERROR(conn_.Run(fmt::format(
        "INSERT INTO zs_cursors VALUES ({0}, {1}, {2}, {3}, {4}, {5}, {6}, 1) ON DUPLICATE KEY "
        "UPDATE last_key = {1}, rows_done = {2}, finished = {3}, batch_rows = {4}, "
        "rows_estimate = {5}, run_rows_start = {6}, saves = saves + 1",
        mysql::QuoteLiteral(cursor.table),
        cursor.last_key_json ? mysql::QuoteLiteral(*cursor.last_key_json) : "NULL",
        cursor.rows_done, cursor.finished ? 1 : 0, cursor.batch_rows, cursor.rows_estimate,
        cursor.run_rows_start)));
    saved.push_back(cursor);
    if (on_save) on_save(cursor);
    return Status::Ok();
  }

  Result<state::BackfillControl> Control(const std::string&, const std::string&) override {
    return state::BackfillControl{};
  }

  std::vector<state::BackfillCursor> saved;
  // Runs after each save, inside the batch's transaction.
  std::function<void(const state::BackfillCursor&)> on_save;

 private:
  mysql::Connection& conn_;
};

class MariadbBackfillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshMariadbDatabaseUrl();
    database_ = mysql::ParseUrl(url_)->database;
    session_ = Connect();
    cursors_ = std::make_unique<MariadbTableCursors>(conn());
    ASSERT_TRUE(cursors_->Init().ok());
  }

  std::unique_ptr<backend::Session> Connect() {
    auto backend = backend::MariadbBackendForUrl(url_);
    EXPECT_TRUE(backend.ok());
    auto session = (*backend)->Connect(url_);
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    return std::move(*session);
  }

  mysql::Connection& conn() { return backend::MariadbConnection(*session_); }

  mysql::Connection OpenOther(const mysql::SessionSettings& settings = {}) {
    auto other = mysql::Connection::Open(url_, settings);
    EXPECT_TRUE(other.ok()) << other.status().ToString();
    return std::move(*other);
  }

  void Run(mysql::Connection& c, const std::string& sql) {
    Status status = c.Run(sql);
    ASSERT_TRUE(status.ok()) << sql << ": " << status.ToString();
  }

  long long Int(const std::string& sql) {
    auto rows = conn().Exec(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    if (!rows.ok() || rows->empty() || rows->IsNull(0, 0)) return -1;
    return rows->GetInt(0, 0);
  }

  // `name` split in two: the expressions the dual-write trigger would run.
  std::vector<triggers::TriggerSpec> SplitSpecs(const std::string& table) {
    auto spec = [&](const std::string& column, const std::string& expression) {
      return triggers::TriggerSpec{.name = "split_" + column,
                                   .schema = database_,
                                   .table = table,
                                   .direction = triggers::Direction::kUp,
                                   .variables = {{"name", "name"}},
                                   .target_column = column,
                                   .expression = expression};
    };
    return {spec("first_name", "SUBSTRING_INDEX(name, ' ', 1)"),
            spec("last_name", "SUBSTRING_INDEX(name, ' ', -1)")};
  }

  // Rows whose new columns are not `up` of `name`, computed by a SELECT.
  long long WrongRows(const std::string& table) {
    return Int(fmt::format(
        "SELECT COUNT(*) FROM {} WHERE NOT (first_name <=> SUBSTRING_INDEX(name, ' ', 1)) OR "
        "NOT (last_name <=> SUBSTRING_INDEX(name, ' ', -1))",
        table));
  }

  void CreateItems(int rows) {
    Run(conn(),
        "CREATE TABLE items (id int PRIMARY KEY, name varchar(100) NOT NULL, first_name "
        "varchar(100) NULL, last_name varchar(100) NULL)");
    Run(conn(), fmt::format("INSERT INTO items (id, name) SELECT seq, CONCAT('First', seq, ' "
                            "Last', seq) FROM seq_1_to_{}",
                            rows));
  }

  Status Backfill(const std::string& table, Options options, backend::Session* session = nullptr,
                  CursorStore* cursors = nullptr) {
    Backfiller backfiller(session ? *session : *session_, cursors ? *cursors : *cursors_, database_,
                          "m1", std::move(options));
    schema::Table t;
    t.name = table;
    t.physical_name = table;
    return backfiller.Run(t, {.table = table, .touch_column = "first_name", .reason = "split"},
                          SplitSpecs(table));
  }

  static Options Fixed(int batch_size) {
    Options options;
    options.batch_size = batch_size;
    return options;
  }

  std::string url_;
  std::string database_;
  std::unique_ptr<backend::Session> session_;
  std::unique_ptr<MariadbTableCursors> cursors_;
};

TEST_F(MariadbBackfillTest, BackfillsTenThousandRowsInBatches) {
  CreateItems(10000);
  Options options = Fixed(700);
  long long batches = 0;
  options.on_event = [&](const Event& e) { batches += e.kind == EventKind::kProgress; };
  Status status = Backfill("items", options);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(WrongRows("items"), 0);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM items WHERE first_name IS NULL"), 0);
  // 14 batches of 700, then the last 200 (fewer than a batch: the max key).
  EXPECT_EQ(batches, 15);
  ASSERT_FALSE(cursors_->saved.empty());
  EXPECT_TRUE(cursors_->saved.back().finished);
  EXPECT_EQ(cursors_->saved.back().rows_done, 10000);
  EXPECT_EQ(cursors_->saved.front().last_key_json, "[\"700\"]");
  // A second run finds the cursor finished and does nothing.
  size_t saves = cursors_->saved.size();
  Status again = Backfill("items", Fixed(700));
  ASSERT_TRUE(again.ok()) << again.ToString();
  EXPECT_EQ(cursors_->saved.size(), saves);
}

// The batch's connection dies after its UPDATE and its cursor were written
// but before COMMIT (what a kill -9 of zeroshift does): the server rolls
// both back, and the next run redoes exactly that batch.
TEST_F(MariadbBackfillTest, ResumesExactlyAfterTheSessionDiesMidBatch) {
  CreateItems(10000);
  mysql::Connection killer = OpenOther();
  long long updated_inside = -1;
  cursors_->on_save = [&](const state::BackfillCursor& cursor) {
    if (cursor.rows_done != 4000) return;
    updated_inside = Int("SELECT COUNT(*) FROM items WHERE first_name IS NOT NULL");
    Run(killer, fmt::format("KILL {}", conn().ConnectionId()));
  };
  Status crashed = Backfill("items", Fixed(1000));
  ASSERT_FALSE(crashed.ok());
  EXPECT_EQ(updated_inside, 4000);  // the 4th batch's UPDATE had run

  session_ = Connect();
  MariadbTableCursors cursors(conn());
  auto saved = cursors.Cursors(database_, "m1");
  ASSERT_TRUE(saved.ok());
  ASSERT_EQ(saved->size(), 1u);
  EXPECT_EQ(saved->front().rows_done, 3000);
  EXPECT_EQ(saved->front().last_key_json, "[\"3000\"]");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM items WHERE first_name IS NOT NULL"), 3000);
  EXPECT_EQ(Int("SELECT MAX(id) FROM items WHERE first_name IS NOT NULL"), 3000);

  Options options = Fixed(1000);
  long long batches = 0;
  options.on_event = [&](const Event& e) { batches += e.kind == EventKind::kProgress; };
  ASSERT_TRUE(Backfill("items", options, session_.get(), &cursors).ok());
  EXPECT_EQ(WrongRows("items"), 0);
  // 3001..10000 in 7 batches, the 4th redone first, then one that finds nothing.
  EXPECT_EQ(batches, 8);
  EXPECT_EQ(cursors.saved.front().last_key_json, "[\"4000\"]");
  EXPECT_EQ(cursors.saved.back().rows_done, 10000);
  EXPECT_TRUE(cursors.saved.back().finished);
}

// A composite key of a case- and accent-insensitive varchar and an int: the
// walk must follow the column's collation (binary order would put "Banana"
// before "apple" and "Äpfel" last), so the k-th cursor is the (7k)-th key in
// the table's own ORDER BY.
TEST_F(MariadbBackfillTest, WalksACompositeKeyInTheColumnsCollation) {
  Run(conn(),
      "CREATE TABLE pairs (tenant varchar(20) COLLATE utf8mb4_general_ci NOT NULL, id int NOT "
      "NULL, name varchar(100) NOT NULL, first_name varchar(100), last_name varchar(100), "
      "PRIMARY KEY (tenant, id))");
  Run(conn(),
      "INSERT INTO pairs (tenant, id, name) SELECT t.tenant, s.seq, CONCAT(t.tenant, ' ', "
      "s.seq) FROM (SELECT 'apple' AS tenant UNION ALL SELECT 'Banana' UNION ALL SELECT "
      "'cherry' UNION ALL SELECT 'Äpfel' UNION ALL SELECT 'zebra' UNION ALL SELECT 'Ünal' "
      "UNION ALL SELECT 'éclair') t CROSS JOIN seq_1_to_23 s");
  ASSERT_TRUE(Backfill("pairs", Fixed(7)).ok());
  EXPECT_EQ(WrongRows("pairs"), 0);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM pairs WHERE first_name IS NULL"), 0);

  auto order = conn().Exec("SELECT tenant, id FROM pairs ORDER BY tenant, id");
  ASSERT_TRUE(order.ok());
  ASSERT_EQ(order->size(), 7 * 23);
  // 161 rows = 23 batches of 7, then one that finds nothing.
  ASSERT_EQ(cursors_->saved.size(), 24u);
  for (size_t k = 0; k < 23; ++k) {
    int row = static_cast<int>(7 * (k + 1)) - 1;
    nlohmann::json expected = {order->Get(row, 0), order->Get(row, 1)};
    EXPECT_EQ(cursors_->saved[k].last_key_json, expected.dump()) << "batch " << k;
  }
}

TEST_F(MariadbBackfillTest, WalksABinaryKeyAndAUniqueNotNullIndex) {
  Run(conn(),
      "CREATE TABLE blobs (k varbinary(8) PRIMARY KEY, name varchar(100) NOT NULL, first_name "
      "varchar(100), last_name varchar(100))");
  // Bytes 0x00 to 0xFF in the first position, some invalid as UTF-8.
  Run(conn(),
      "INSERT INTO blobs (k, name) SELECT UNHEX(CONCAT(LPAD(HEX(seq), 2, '0'), '00FF')), "
      "CONCAT('B', seq, ' X', seq) FROM seq_0_to_255");
  ASSERT_TRUE(Backfill("blobs", Fixed(10)).ok());
  EXPECT_EQ(WrongRows("blobs"), 0);
  EXPECT_EQ(cursors_->saved.front().last_key_json, "[\"0900FF\"]");

  Run(conn(),
      "CREATE TABLE people (email varchar(50) NOT NULL, nick varchar(50) NULL, name "
      "varchar(100) NOT NULL, first_name varchar(100), last_name varchar(100), UNIQUE KEY "
      "by_nick (nick), UNIQUE KEY by_email (email))");
  Run(conn(),
      "INSERT INTO people (email, nick, name) SELECT CONCAT('u', seq, '@x'), NULL, CONCAT('P', "
      "seq, ' Q', seq) FROM seq_1_to_50");
  auto batches = BatchBackendFor(*session_)->Prepare(
      {.schema = database_, .table = "people", .up = SplitSpecs("people")}, {});
  ASSERT_TRUE(batches.ok()) << batches.status().ToString();
  EXPECT_EQ((*batches)->Describe(), "keyset on unique index `by_email` (email)");
  ASSERT_TRUE(Backfill("people", Fixed(8)).ok());
  EXPECT_EQ(WrongRows("people"), 0);
}

TEST_F(MariadbBackfillTest, RefusesATableWithoutAUsableKey) {
  Run(conn(),
      "CREATE TABLE loose (a int, b int NULL, c varchar(200) NOT NULL, name varchar(10), "
      "first_name varchar(10), last_name varchar(10), UNIQUE KEY by_b (b), UNIQUE KEY by_c "
      "(c(10)))");
  Status status = Backfill("loose", Fixed(10));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), Code::kInvalidInput) << status.ToString();
  const std::string& message = status.message();
  EXPECT_NE(message.find(fmt::format("`{}`.`loose`", database_)), std::string::npos) << message;
  EXPECT_NE(message.find("unique index `by_b` does not qualify: `b` is nullable"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("unique index `by_c` does not qualify: it indexes a prefix of `c`"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("add a primary key"), std::string::npos) << message;

  Status missing = Backfill("nowhere", Fixed(10));
  EXPECT_EQ(missing.code(), Code::kNotFound) << missing.ToString();
}

// READ COMMITTED: a batch's range UPDATE locks its rows, not the gap after
// them, so inserts at the end of the table go on while a batch is open. Each
// insert is made from another connection inside a batch's transaction, with
// a 1 s row lock wait: under gap locks it would fail with error 1205.
TEST_F(MariadbBackfillTest, InsertsAtTheEndAreNotBlockedDuringABatch) {
  CreateItems(10000);
  mysql::Connection writer = OpenOther({.innodb_lock_wait_timeout_s = 1});
  long long next_id = 20000;
  std::vector<Status> inserts;
  cursors_->on_save = [&](const state::BackfillCursor&) {
    ++next_id;
    // Written as the dual-write trigger would: already in step.
    inserts.push_back(writer.Run(fmt::format(
        "INSERT INTO items VALUES ({0}, 'New{0} Row{0}', 'New{0}', 'Row{0}')", next_id)));
  };
  ASSERT_TRUE(Backfill("items", Fixed(2500)).ok());
  ASSERT_EQ(inserts.size(), 5u);  // 4 batches of 2500, the last one finding nothing
  for (const Status& insert : inserts) EXPECT_TRUE(insert.ok()) << insert.ToString();
  EXPECT_EQ(Int("SELECT COUNT(*) FROM items"), 10005);
  EXPECT_EQ(WrongRows("items"), 0);

  // The same range UPDATE under REPEATABLE READ does block the insert: the
  // check above would see it.
  mysql::Connection repeatable = OpenOther({.read_committed = false});
  Run(repeatable, "START TRANSACTION");
  Run(repeatable, "UPDATE items SET last_name = last_name WHERE id > 19000 AND id <= 20005");
  Status blocked = writer.Run("INSERT INTO items VALUES (30000, 'A B', 'A', 'B')");
  EXPECT_EQ(mysql::ErrorNumber(blocked), mysql::errors::kLockWaitTimeout) << blocked.ToString();
  Run(repeatable, "ROLLBACK");
}

// With the dual-write marker: rows a client wrote since start (marker set)
// are skipped, and the rows the batches fill keep a NULL marker, so that a
// row start rebuilt with the new columns keeps its size and InnoDB updates it
// in place (mariadb_batch.h).
TEST_F(MariadbBackfillTest, SkipsMarkedRowsAndLeavesTheMarkerNull) {
  CreateItems(1000);
  Run(conn(), "ALTER TABLE items ADD COLUMN _zs_synced BOOLEAN NULL");
  Run(conn(),
      "UPDATE items SET first_name = 'Client', last_name = 'Wrote', _zs_synced = 0 WHERE id % "
      "100 = 0");
  ASSERT_TRUE(Backfill("items", Fixed(300)).ok());
  EXPECT_EQ(Int("SELECT COUNT(*) FROM items WHERE first_name = 'Client' AND _zs_synced = 0"), 10);
  EXPECT_EQ(WrongRows("items"), 10);  // the clients' rows only
  EXPECT_EQ(Int("SELECT COUNT(*) FROM items WHERE _zs_synced IS NULL"), 990);
  EXPECT_EQ(cursors_->saved.back().rows_done, 990);
}

TEST(MariadbRebuildChoice, RebuildsUpToASizeThatIsSmallerWithReplicas) {
  EXPECT_TRUE(ChooseMariadbRebuild(100LL << 20, false).rebuild);
  EXPECT_TRUE(ChooseMariadbRebuild(kMariadbRebuildMaxBytes, false).rebuild);
  MariadbRebuildChoice big = ChooseMariadbRebuild(kMariadbRebuildMaxBytes + 1, false);
  EXPECT_FALSE(big.rebuild);
  EXPECT_EQ(big.reason, "it holds 1024 MiB, more than the 1024 MiB rebuilt first");
  EXPECT_TRUE(ChooseMariadbRebuild(kMariadbRebuildMaxBytesWithReplicas, true).rebuild);
  MariadbRebuildChoice replicated = ChooseMariadbRebuild(300LL << 20, true);
  EXPECT_FALSE(replicated.rebuild);
  EXPECT_NE(replicated.reason.find("when replicas are named"), std::string::npos)
      << replicated.reason;
  EXPECT_FALSE(ChooseMariadbRebuild(-1, false).rebuild);
  MariadbRebuildChoice growing = ChooseMariadbRebuild(100LL << 20, false, "first_name");
  EXPECT_FALSE(growing.rebuild);
  EXPECT_NE(growing.reason.find("`first_name` grows each row"), std::string::npos)
      << growing.reason;
}

}  // namespace
}  // namespace zs::backfill
