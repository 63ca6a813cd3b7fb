// create_index on a real MariaDB: CREATE INDEX IF NOT EXISTS ... ALGORITHM=INPLACE
// LOCK=NONE at start, dropped at rollback, each twice; PostgreSQL-only options refused.
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

TEST_F(MariadbOps, CreateIndexInPlaceAndRollback) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, email varchar(100), age int)");
  Status loaded = Load(R"yaml(operations:
  - create_index:
      name: users_email_age
      table: users
      unique: true
      columns:
        - column: email
        - {column: age, sort: DESC}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  std::string plan = FormatActions(Actions(Phase::kStart));
  EXPECT_NE(plan.find("ALGORITHM=INPLACE LOCK=NONE"), std::string::npos) << plan;
  EXPECT_NE(plan.find("writes go on meanwhile"), std::string::npos) << plan;
  RunTwice(Phase::kStart);
  EXPECT_EQ(Indexes("users"),
            (std::vector<std::string>{"PRIMARY unique id", "users_email_age unique email,age"}));
  RunTwice(Phase::kRollback);
  EXPECT_EQ(Indexes("users"), (std::vector<std::string>{"PRIMARY unique id"}));
}

TEST_F(MariadbOps, CreateIndexRefusesPostgresOnlyMethods) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, email varchar(100))");
  Status status = Load(R"yaml(operations:
  - create_index: {name: users_email_hash, table: users, method: hash, columns: [{column: email}]}
)yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("create_index: cannot run on MariaDB"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("btree"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace zs::ops
