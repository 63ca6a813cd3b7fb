// The column swap's NOT NULL placeholder on MariaDB, through the built binary
// (ops/mariadb_swap.h): start adds the new column NOT NULL with the column's
// default, so every existing row reads that placeholder until the backfill
// writes `up` over it. `zeroshift verify` compares every row's new column
// with `up`: it passes after start (the backfill reached every old row, the
// dual write every row written since) and reports a row left holding the
// placeholder.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/mariadb_engine_test_util.h"

namespace zs::engine {
namespace {

using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

constexpr const char* kMariadbWidenVisits = R"yaml(operations:
  - alter_column:
      table: orders
      column: visits
      type: bigint
      up: visits
      down: visits
)yaml";

class MariadbSwapVerify : public ::testing::Test {
 protected:
  void SetUp() override {
    ProcessRun init = db_.Zeroshift({"init"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    db_.Run("CREATE TABLE orders (id int PRIMARY KEY, visits int NOT NULL DEFAULT 0)");
    db_.Run("INSERT INTO orders SELECT seq, seq % 7 + 1 FROM seq_1_to_300");
    file_ = db_.WriteFile("03_widen_visits.yaml", kMariadbWidenVisits);
  }

  MariadbSplit db_;
  std::string file_;
};

TEST_F(MariadbSwapVerify, NoRowKeepsThePlaceholder) {
  ProcessRun start = db_.Zeroshift({"start", file_});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(db_.Query("SELECT IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
                      "DATABASE() AND TABLE_NAME = 'orders' AND COLUMN_NAME = '_zs_new_visits'"),
            (std::vector<std::string>{"NO"}));
  db_.Run("INSERT INTO orders (id, visits) VALUES (301, 9)");  // an old version's write
  db_.Run("UPDATE orders SET visits = 5 WHERE id = 2");
  ProcessRun verified = db_.Zeroshift({"verify"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;

  // A row the backfill had not reached holds the placeholder: verify says so.
  db_.Run("SET @zeroshift_backfill = 1");  // the dual write steps aside
  db_.Run("UPDATE orders SET _zs_new_visits = 0 WHERE id = 7");
  db_.Run("SET @zeroshift_backfill = NULL");
  ProcessRun caught = db_.Zeroshift({"verify"});
  EXPECT_NE(caught.exit_code, 0) << caught.out << caught.err;
  EXPECT_NE((caught.out + caught.err).find("1 value"), std::string::npos)
      << caught.out << caught.err;

  db_.Run("UPDATE orders SET visits = 2 WHERE id = 7");
  ProcessRun complete = db_.Zeroshift({"complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  EXPECT_EQ(db_.Query("SELECT COUNT(*), SUM(visits) FROM orders WHERE id IN (2, 7, 301)"),
            (std::vector<std::string>{"3|16"}));
}

}  // namespace
}  // namespace zs::engine
