// sql on a real MariaDB: one Action per statement, run twice (the user's SQL
// must be safe to repeat); transaction control refused.
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

TEST_F(MariadbOps, RawSqlOneActionPerStatement) {
  Status loaded = Load(R"yaml(operations:
  - sql:
      up: |
        CREATE TABLE IF NOT EXISTS notes (id int PRIMARY KEY, body text); -- a note; really
        INSERT IGNORE INTO notes VALUES (1, 'a;b')
      down: DROP TABLE IF EXISTS notes
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  std::vector<Action> start = Actions(Phase::kStart);
  ASSERT_EQ(start.size(), 2u) << FormatActions(start);
  EXPECT_EQ(start[0].id, "sql:0:up:1");
  RunTwice(Phase::kStart);
  EXPECT_EQ(Query("SELECT id, body FROM notes"), (std::vector<std::string>{"1|a;b"}));
  RunTwice(Phase::kRollback);
  EXPECT_TRUE(Tables().empty());
}

TEST_F(MariadbOps, RawSqlRefusesTransactionControl) {
  Status status = Load(R"yaml(operations:
  - sql: {up: "START TRANSACTION; CREATE TABLE t (id int); COMMIT"}
)yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("sql: cannot run on MariaDB: up statement `START TRANSACTION`"),
            std::string::npos)
      << status.message();
}

}  // namespace
}  // namespace zs::ops
