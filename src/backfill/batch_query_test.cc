// Every key shape MakeBatchQuery walks, on real tables: each test fills a
// table, runs the batches to done the way the backfill loop does (passing
// each batch's cursor to the next), and checks with a counting trigger that
// every row was touched exactly once, also when rows are inserted and
// deleted between batches.
#include "backfill/batch_query.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "backfill/table_walk.h"
#include "pg/connection.h"
#include "schema/schema.h"
#include "testing/shared_cluster.h"

namespace zs::backfill {
namespace {

// Every UPDATE counts itself in `touches`; rows inserted by a test between
// batches have late = true.
constexpr char kCounterTrigger[] = R"sql(
CREATE FUNCTION count_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.touches := OLD.touches + 1;
  RETURN NEW;
END $$;
)sql";

struct Walked {
  long long batches = 0;
  long long rows_touched = 0;
};

class BatchQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<pg::Connection> conn = pg::Connection::Open(zs::testing::FreshDatabaseUrl());
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::make_unique<pg::Connection>(std::move(conn).value());
    Run(kCounterTrigger);
  }

  void Run(const std::string& sql) {
    Status status = conn_->Run(sql);
    ASSERT_TRUE(status.ok()) << sql << "\n" << status.ToString();
  }

  long long Int(const std::string& sql) {
    Result<pg::Rows> rows = conn_->Exec(sql);
    EXPECT_TRUE(rows.ok()) << sql << "\n" << rows.status().ToString();
    return rows.ok() ? rows->GetInt(0, 0) : -1;
  }

  // `columns` must not name payload, touches or late; the counter trigger is
  // attached (to a partitioned table it reaches every partition).
  void CreateTable(const std::string& name, const std::string& columns,
                   const std::string& suffix = "") {
    Run(fmt::format(
        "CREATE TABLE {0} ({1}, payload text, touches int NOT NULL DEFAULT 0, late boolean NOT "
        "NULL DEFAULT false){2};\n"
        "CREATE TRIGGER count_touch BEFORE UPDATE ON {0} FOR EACH ROW EXECUTE FUNCTION "
        "count_touch();",
        name, columns, suffix));
  }

  std::unique_ptr<BatchQuery> Make(const std::string& table) {
    Result<schema::Schema> schema = schema::ReadSchema(*conn_, "public");
    EXPECT_TRUE(schema.ok()) << schema.status().ToString();
    const schema::Table* found = schema->FindTable(table);
    EXPECT_NE(found, nullptr) << table;
    if (found == nullptr) return nullptr;
    auto query = MakeBatchQuery(*conn_, "public", *found, "payload");
    EXPECT_TRUE(query.ok()) << query.status().ToString();
    return query.ok() ? std::move(query).value() : nullptr;
  }

  // Make, and the walk it chose must be `describe` (BatchQuery::Describe).
  std::unique_ptr<BatchQuery> MakeAs(const std::string& table, const std::string& describe) {
    auto query = Make(table);
    if (query != nullptr) {
      EXPECT_EQ(query->Describe(), describe) << table;
    }
    return query;
  }

  // Runs batches until one says done, calling `between(i)` after batch i.
  Walked Walk(const BatchQuery& query, long long batch_rows,
              const std::function<void(int)>& between = {}) {
    Walked walked;
    std::vector<std::optional<std::string>> cursor;
    for (bool first = true; walked.batches < 100000; first = false) {
      std::string sql = query.Sql(batch_rows, first);
      Result<pg::Rows> rows = conn_->ExecParams(sql, cursor);
      EXPECT_TRUE(rows.ok()) << sql << "\n" << rows.status().ToString();
      if (!rows.ok()) return walked;
      EXPECT_EQ(rows->size(), 1);
      EXPECT_EQ(rows->columns(), 2 + query.cursor_width());
      ++walked.batches;
      walked.rows_touched += rows->GetInt(0, 0);
      if (rows->GetBool(0, 1)) {
        for (int i = 0; i < query.cursor_width(); ++i) EXPECT_TRUE(rows->IsNull(0, 2 + i));
        return walked;
      }
      cursor.clear();
      for (int i = 0; i < query.cursor_width(); ++i) {
        EXPECT_FALSE(rows->IsNull(0, 2 + i)) << "a cursor value is NULL before the walk is done";
        cursor.push_back(rows->GetOptional(0, 2 + i));
      }
      if (between) between(static_cast<int>(walked.batches - 1));
    }
    ADD_FAILURE() << "the walk did not finish";
    return walked;
  }

  // Every row present from the start was touched exactly once; rows added
  // during the walk at most once (the dual-write triggers fill those).
  void ExpectEachOriginalRowTouchedOnce(const std::string& table, long long expected_rows) {
    EXPECT_EQ(Int(fmt::format("SELECT count(*) FROM {} WHERE NOT late", table)), expected_rows);
    EXPECT_EQ(Int(fmt::format("SELECT count(*) FROM {} WHERE NOT late AND touches <> 1", table)),
              0);
    EXPECT_EQ(Int(fmt::format("SELECT count(*) FROM {} WHERE late AND touches > 1", table)), 0);
  }

  std::string Explain(const std::string& sql) {
    Result<pg::Rows> rows = conn_->Exec("EXPLAIN " + sql);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::string plan;
    for (int i = 0; rows.ok() && i < rows->size(); ++i) plan += rows->Get(i, 0) + "\n";
    return plan;
  }

  std::unique_ptr<pg::Connection> conn_;
};

TEST_F(BatchQueryTest, BigintPrimaryKeyWithInsertsAndDeletesBetweenBatches) {
  CreateTable("items", "id bigint PRIMARY KEY");
  // Odd ids only, so rows can be inserted between existing keys later.
  Run("INSERT INTO items (id, payload) SELECT 2 * i + 1, 'p' || i FROM generate_series(0, 4999) i");
  auto query = MakeAs("items", "keyset on primary key (id)");
  ASSERT_NE(query, nullptr);
  EXPECT_EQ(query->cursor_width(), 1);
  long long deleted = 0;
  Walked walked = Walk(*query, 700, [&](int batch) {
    if (batch != 2) return;
    // Behind and ahead of the cursor (4199 after three batches), and past the end.
    Run("INSERT INTO items (id, payload, late) VALUES (2, 'behind', true), (5000, 'ahead', true), "
        "(20000, 'end', true)");
    deleted =
        Int("WITH d AS (DELETE FROM items WHERE id BETWEEN 6001 AND 6999 RETURNING 1) "
            "SELECT count(*) FROM d");
  });
  EXPECT_EQ(deleted, 500);
  ExpectEachOriginalRowTouchedOnce("items", 5000 - deleted);
  // The two rows inserted ahead of the cursor are walked too.
  EXPECT_EQ(walked.rows_touched, 5000 - deleted + 2);
  EXPECT_EQ(Int("SELECT touches FROM items WHERE id = 2"), 0);
}

// The 1 M-row dip (bench/README.md §2): a batch must read its own key range
// through the key's index, never the whole table. The only sequential scan
// allowed is the last batch's, switched off by a one-time filter otherwise.
TEST_F(BatchQueryTest, KeysetBatchReadsOnlyItsKeyRange) {
  CreateTable("ranged", "id bigint PRIMARY KEY");
  Run("INSERT INTO ranged (id, payload) SELECT i, 'p' || i FROM generate_series(1, 20000) i");
  Run("ANALYZE ranged");
  auto query = MakeAs("ranged", "keyset on primary key (id)");
  ASSERT_NE(query, nullptr);
  for (bool first : {true, false}) {
    std::string plan;
    if (first) {
      plan = Explain(query->Sql(1000, true));
    } else {
      Run("PREPARE later(text) AS " + query->Sql(1000, false));
      plan = Explain("EXECUTE later('5000')");
      Run("DEALLOCATE later");
    }
    EXPECT_NE(plan.find("Index Scan using ranged_pkey on ranged"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("Nested Loop"), std::string::npos) << plan;
    std::string previous;
    for (size_t start = 0; start < plan.size();) {
      size_t end = plan.find('\n', start);
      std::string line = plan.substr(start, end - start);
      if (line.find("Seq Scan") != std::string::npos) {
        EXPECT_NE(previous.find("One-Time Filter"), std::string::npos) << plan;
      }
      previous = line;
      start = end == std::string::npos ? plan.size() : end + 1;
    }
  }
}

TEST_F(BatchQueryTest, IdentityGeneratedAlways) {
  CreateTable("events", "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY");
  Run("INSERT INTO events (payload) SELECT 'e' || i FROM generate_series(1, 3000) i");
  auto query = MakeAs("events", "keyset on primary key (id)");
  ASSERT_NE(query, nullptr);
  Walked walked = Walk(
      *query, 1000, [&](int) { Run("INSERT INTO events (payload, late) VALUES ('late', true)"); });
  // Each late row gets the next identity value, ahead of the cursor: walked too.
  EXPECT_EQ(walked.rows_touched, 3000 + Int("SELECT count(*) FROM events WHERE late"));
  ExpectEachOriginalRowTouchedOnce("events", 3000);
}

TEST_F(BatchQueryTest, UuidPrimaryKeyInRandomOrder) {
  CreateTable("sessions", "id uuid PRIMARY KEY DEFAULT gen_random_uuid()");
  Run("INSERT INTO sessions (payload) SELECT 's' || i FROM generate_series(1, 4000) i");
  auto query = MakeAs("sessions", "keyset on primary key (id)");
  ASSERT_NE(query, nullptr);
  Walked walked = Walk(*query, 333, [&](int batch) {
    if (batch % 3 == 0) Run("INSERT INTO sessions (payload, late) VALUES ('late', true)");
    if (batch == 5)
      Run("DELETE FROM sessions WHERE id = (SELECT id FROM sessions ORDER BY id DESC LIMIT 1)");
  });
  // Late rows are walked when their random uuid falls ahead of the cursor.
  EXPECT_EQ(walked.rows_touched,
            3999 + Int("SELECT count(*) FROM sessions WHERE late AND touches = 1"));
  ExpectEachOriginalRowTouchedOnce("sessions", Int("SELECT count(*) FROM sessions WHERE NOT late"));
  EXPECT_EQ(Int("SELECT count(*) FROM sessions WHERE NOT late"), 3999);
}

TEST_F(BatchQueryTest, TextPrimaryKeyWithQuotesAndCollationOrder) {
  CreateTable("tags", "name text PRIMARY KEY");
  // Mixed case, spaces, quotes, a comma and non-ASCII: the cursor is text and
  // must compare with the column's collation, not byte order.
  Run("INSERT INTO tags (name, payload) SELECT v, v FROM unnest(ARRAY['a', 'B', 'b c', 'O''Neil', "
      "'\"quoted\"', 'x,y', 'élan', 'Zed', '', ' lead']) v");
  Run("INSERT INTO tags (name, payload) SELECT 'n' || i, 'p' FROM generate_series(1, 990) i");
  auto query = MakeAs("tags", "keyset on primary key (name)");
  ASSERT_NE(query, nullptr);
  Walked walked = Walk(*query, 3);
  EXPECT_EQ(walked.rows_touched, 1000);
  ExpectEachOriginalRowTouchedOnce("tags", 1000);
}

TEST_F(BatchQueryTest, CompositePrimaryKeyOfMixedTypes) {
  CreateTable("readings",
              "tenant int NOT NULL, at timestamptz NOT NULL, label varchar(20) NOT NULL, "
              "PRIMARY KEY (tenant, at, label)");
  Run("INSERT INTO readings (tenant, at, label, payload) SELECT t, timestamptz '2026-01-01 "
      "00:00:00.123456+00' + i * interval '1.5 seconds', 'l' || (i % 3), 'p' FROM "
      "generate_series(1, 5) t, generate_series(1, 600) i");
  auto query = MakeAs("readings", "keyset on primary key (tenant, at, label)");
  ASSERT_NE(query, nullptr);
  EXPECT_EQ(query->cursor_width(), 3);
  Walked walked = Walk(*query, 250, [&](int batch) {
    if (batch == 4) {
      // Tenants 4 and 5 are ahead of the cursor (in tenant 3 after 1250 rows).
      Run("DELETE FROM readings WHERE tenant = 5 AND label = 'l0'");
      Run("INSERT INTO readings (tenant, at, label, payload, late) VALUES (4, now(), 'x', 'p', "
          "true)");
    }
  });
  ExpectEachOriginalRowTouchedOnce("readings", 3000 - 200);
  EXPECT_EQ(walked.rows_touched, 3000 - 200 + 1);
}

TEST_F(BatchQueryTest, UniqueNotNullIndexWhenThereIsNoPrimaryKey) {
  CreateTable("accounts", "code text NOT NULL, email text, n int NOT NULL");
  Run("INSERT INTO accounts (code, email, n, payload) SELECT 'c' || i, 'e' || i, i, 'p' FROM "
      "generate_series(1, 2000) i");
  // None of these may be used: a nullable column, a partial index, an
  // expression index, a descending index.
  Run("CREATE UNIQUE INDEX a_email ON accounts (email)");
  Run("CREATE UNIQUE INDEX a_partial ON accounts (n) WHERE n > 0");
  Run("CREATE UNIQUE INDEX a_expr ON accounts (lower(code))");
  Run("CREATE UNIQUE INDEX a_desc ON accounts (n DESC)");
  auto none = MakeAs("accounts", "ctid page ranges");
  ASSERT_NE(none, nullptr);
  // An INVALID index (a failed CREATE UNIQUE INDEX CONCURRENTLY) is skipped too.
  Run("DROP INDEX a_expr");
  Run("INSERT INTO accounts (code, n, payload) VALUES ('dup', -1, 'p'), ('dup', -2, 'p')");
  EXPECT_FALSE(conn_->Run("CREATE UNIQUE INDEX CONCURRENTLY a_invalid ON accounts (code)").ok());
  EXPECT_EQ(Int("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), 1);
  Run("DELETE FROM accounts WHERE code = 'dup'");
  EXPECT_EQ(Make("accounts")->Describe(), "ctid page ranges");
  Run("CREATE UNIQUE INDEX a_good ON accounts (code)");
  auto query = MakeAs("accounts", "keyset on unique index a_good (code)");
  ASSERT_NE(query, nullptr);
  Walked walked = Walk(*query, 128, [&](int batch) {
    if (batch == 0) Run("DELETE FROM accounts WHERE code = 'c999'");
  });
  EXPECT_EQ(walked.rows_touched, 1999);
  ExpectEachOriginalRowTouchedOnce("accounts", 1999);
}

TEST_F(BatchQueryTest, CtidPageRangesWithoutAnyKey) {
  // A batch's new row versions land on the table's last, partly filled page
  // (below the stop page) and on new pages past it: the walk skips tuples
  // written since it started, so none is touched twice.
  CreateTable("logs", "line int NOT NULL");
  Run("INSERT INTO logs (line, payload) SELECT i, repeat('x', 60) FROM generate_series(1, 20000) "
      "i");
  Run("ANALYZE logs");
  auto query = MakeAs("logs", "ctid page ranges");
  ASSERT_NE(query, nullptr);
  EXPECT_EQ(query->cursor_width(), 4);
  // Neither the first nor a later batch reads the whole table.
  for (bool first : {true, false}) {
    std::string sql = query->Sql(1000, first);
    if (!first) sql = "PREPARE later(text, text, text, text) AS " + sql;
    std::string plan = first ? Explain(sql) : "";
    if (!first) {
      Run(sql);
      plan = Explain("EXECUTE later('0', '3', '200', (txid_current() % 4294967296)::text)");
      Run("DEALLOCATE later");
    }
    EXPECT_NE(plan.find("Tid Range Scan on logs"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
  }
  long long pages = Int("SELECT pg_relation_size('logs') / current_setting('block_size')::int");
  long long deleted = 0;
  Walked walked = Walk(*query, 1000, [&](int batch) {
    if (batch != 1) return;
    deleted =
        Int("WITH d AS (DELETE FROM logs WHERE line > 19000 RETURNING 1) SELECT count(*) "
            "FROM d");
    Run("INSERT INTO logs (line, payload, late) SELECT i, 'late', true FROM generate_series(1, "
        "500) i");
  });
  EXPECT_EQ(deleted, 1000);
  ExpectEachOriginalRowTouchedOnce("logs", 19000);
  // About 1000 rows per batch: the page count follows the measured rows per page.
  EXPECT_GE(walked.batches, 15);
  EXPECT_LE(walked.batches, 25);
  EXPECT_GT(pages, 100);
}

TEST_F(BatchQueryTest, CtidOnATableNeverAnalysedSamplesRowsPerPage) {
  // No autovacuum: it would analyse the table and fill pg_class.
  CreateTable("fresh", "line int NOT NULL", " WITH (autovacuum_enabled = false)");
  Run("INSERT INTO fresh (line, payload) SELECT i, 'p' FROM generate_series(1, 5000) i");
  Result<TableWalk> walk = PlanTableWalk(*conn_, "public", "fresh");
  ASSERT_TRUE(walk.ok()) << walk.status().ToString();
  long long per_page = Int("SELECT count(*) FROM fresh WHERE ctid < '(1,0)'::tid");
  EXPECT_NEAR(walk->rows_per_page, static_cast<double>(per_page), 1.0);
  auto query = Make("fresh");
  ASSERT_NE(query, nullptr);
  Walk(*query, 500);
  ExpectEachOriginalRowTouchedOnce("fresh", 5000);
}

TEST_F(BatchQueryTest, EmptyTableIsDoneInOneBatch) {
  CreateTable("empty_keyed", "id int PRIMARY KEY");
  CreateTable("empty_heap", "line int");
  for (const char* table : {"empty_keyed", "empty_heap"}) {
    auto query = Make(table);
    ASSERT_NE(query, nullptr);
    Walked walked = Walk(*query, 100);
    EXPECT_EQ(walked.batches, 1) << table;
    EXPECT_EQ(walked.rows_touched, 0) << table;
  }
}

TEST_F(BatchQueryTest, RangePartitionedTableWalksThroughTheParentsKey) {
  CreateTable("orders", "id bigint NOT NULL, PRIMARY KEY (id)", " PARTITION BY RANGE (id)");
  Run("CREATE TABLE orders_1 PARTITION OF orders FOR VALUES FROM (0) TO (1000);"
      "CREATE TABLE orders_2 PARTITION OF orders FOR VALUES FROM (1000) TO (2000);"
      "CREATE TABLE orders_3 PARTITION OF orders FOR VALUES FROM (2000) TO (3000)");
  Run("INSERT INTO orders (id, payload) SELECT i, 'p' FROM generate_series(0, 2999) i");
  auto query = MakeAs("orders", "keyset on primary key (id)");
  ASSERT_NE(query, nullptr);
  Walked walked = Walk(*query, 400, [&](int batch) {
    if (batch == 0) Run("DELETE FROM orders WHERE id >= 2900");
  });
  EXPECT_EQ(walked.rows_touched, 2900);
  ExpectEachOriginalRowTouchedOnce("orders", 2900);
}

TEST_F(BatchQueryTest, HashPartitionedTableWithoutKeyWalksEachPartitionsPages) {
  CreateTable("metrics", "device int NOT NULL", " PARTITION BY HASH (device)");
  for (int i = 0; i < 4; ++i) {
    Run(
        fmt::format("CREATE TABLE metrics_{0} PARTITION OF metrics FOR VALUES WITH (MODULUS 4, "
                    "REMAINDER {0}) WITH (autovacuum_enabled = false)",
                    i));
  }
  Run("INSERT INTO metrics (device, payload) SELECT i % 50, repeat('m', 40) FROM "
      "generate_series(1, 12000) i");
  Run("ANALYZE metrics");
  auto query = MakeAs("metrics", "ctid page ranges over 4 partitions");
  ASSERT_NE(query, nullptr);
  std::string plan = Explain(query->Sql(800, true));
  for (int i = 0; i < 4; ++i) {
    EXPECT_NE(plan.find(fmt::format("Tid Range Scan on metrics_{}", i)), std::string::npos) << plan;
  }
  EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
  Walked walked = Walk(*query, 800, [&](int batch) {
    if (batch == 2) {
      Run("INSERT INTO metrics (device, payload, late) SELECT i, 'late', true FROM "
          "generate_series(1, 50) i");
    }
  });
  ExpectEachOriginalRowTouchedOnce("metrics", 12000);
  // Late rows are walked when they land in a partition the walk has not entered yet.
  EXPECT_EQ(walked.rows_touched,
            12000 + Int("SELECT count(*) FROM metrics WHERE late AND touches = 1"));
  EXPECT_GE(walked.batches, 8);
}

}  // namespace
}  // namespace zs::backfill
