// alter_column on a real MariaDB: a temporary column added INSTANT at start,
// made NOT NULL in place and swapped in by one guarded ALTER at complete,
// dropped at rollback; each phase twice. Columns with indexes are refused.
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

constexpr const char* kMariadbWidenAge = R"yaml(operations:
  - alter_column:
      table: users
      column: age
      type: bigint
      nullable: false
      default: "0"
      comment: years
      unique: {name: users_age_key}
      up: coalesce(age, 0)
      down: age
)yaml";

TEST_F(MariadbOps, AlterColumnSwapsInTheNewColumnAtComplete) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, age int)");
  Exec("INSERT INTO users VALUES (1, 36), (2, NULL)");
  Status loaded = Load(kMariadbWidenAge);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id int(11) NOT NULL", "age int(11) NULL",
                                      "_zs_new_age bigint(20) NULL default 0 comment years"}));
  Exec("UPDATE users SET _zs_new_age = coalesce(age, 0) + id * 100");  // the backfill's work
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id int(11) NOT NULL",
                                      "age bigint(20) NOT NULL default 0 comment years"}));
  EXPECT_EQ(Query("SELECT id, age FROM users ORDER BY id"),
            (std::vector<std::string>{"1|136", "2|200"}));
  EXPECT_EQ(Indexes("users"),
            (std::vector<std::string>{"PRIMARY unique id", "users_age_key unique age"}));
}

TEST_F(MariadbOps, AlterColumnRollbackDropsTheTemporaryColumn) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, age int)");
  Status loaded = Load(kMariadbWidenAge);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  RunTwice(Phase::kRollback);
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id int(11) NOT NULL", "age int(11) NULL"}));
  EXPECT_EQ(Indexes("users"), (std::vector<std::string>{"PRIMARY unique id"}));
}

TEST_F(MariadbOps, AlterColumnOfAnIndexedColumnIsRefused) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, age int)");
  Exec("CREATE INDEX users_age ON users (age)");
  Status status = Load(kMariadbWidenAge);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("alter_column: cannot run on MariaDB"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("index \"users_age\""), std::string::npos) << status.message();
}

}  // namespace
}  // namespace zs::ops
