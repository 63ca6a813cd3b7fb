// alter_column on a real MariaDB: a temporary column added INSTANT at start
// (NOT NULL already, unless an added UNIQUE covers it: then made NOT NULL in
// place at complete), swapped in by one guarded ALTER at complete,
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

namespace zs::ops {
namespace {

TEST_F(MariadbOps, AlterColumnDropsNotNullThroughTheSwap) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, age int NOT NULL DEFAULT 1)");
  Status loaded = Load(R"yaml(operations:
  - alter_column: {table: users, column: age, nullable: true, default: null, up: age, down: "coalesce(age, 0)"}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  EXPECT_EQ(Columns("users").back(), "_zs_new_age int(11) NULL");
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id int(11) NOT NULL", "age int(11) NULL"}));
  Exec("INSERT INTO users (id, age) VALUES (7, NULL)");
}

TEST_F(MariadbOps, AlterColumnDefaultAndCommentOnly) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, name varchar(20))");
  Status loaded = Load(R"yaml(operations:
  - alter_column: {table: users, column: name, default: "'anon'", comment: who, up: name, down: name}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id int(11) NOT NULL",
                                      "name varchar(20) NULL default 'anon' comment who"}));
}

constexpr const char* kMariadbAgeCheck = kMariadbAgeCheckYaml;

// MariaDB has no online CHECK: a trigger refuses the row, with the error a
// CHECK raises (4025), on the new column during the migration and on the
// column itself after complete.
TEST_F(MariadbOps, AlterColumnCheckIsEnforcedByATrigger) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, age int)");
  Exec("INSERT INTO users VALUES (1, 36), (2, -3)");
  Status loaded = Load(kMariadbAgeCheck);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  Status refused = conn_->Run("INSERT INTO users (id, age, _zs_new_age) VALUES (3, 5, -1)");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("CONSTRAINT `age_positive` failed"), std::string::npos)
      << refused.message();
  EXPECT_EQ(mysql::ErrorNumber(refused), 4025);
  Exec("INSERT INTO users (id, age, _zs_new_age) VALUES (3, 5, 5)");
  Exec("INSERT INTO users (id, age, _zs_new_age) VALUES (4, NULL, NULL)");  // NULL passes
  EXPECT_FALSE(conn_->Run("UPDATE users SET _zs_new_age = 0 WHERE id = 1").ok());
  Exec("UPDATE users SET _zs_new_age = CASE WHEN age <= 0 THEN 1 ELSE age END");  // backfill
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Query("SELECT id, age FROM users ORDER BY id"),
            (std::vector<std::string>{"1|36", "2|1", "3|5", "4|NULL"}));
  Status after = conn_->Run("UPDATE users SET age = -7 WHERE id = 1");
  EXPECT_EQ(mysql::ErrorNumber(after), 4025) << after.message();
  Exec("UPDATE users SET age = 8 WHERE id = 1");
  EXPECT_EQ(Query("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = "
                  "DATABASE() ORDER BY 1"),
            (std::vector<std::string>{"zs_check_age_positive_bi", "zs_check_age_positive_bu"}));
}

// A row that breaks the check (here written past the trigger) fails
// complete at its validation, before the old column is dropped.
TEST_F(MariadbOps, AlterColumnCheckValidatesEveryRowAtComplete) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, age int)");
  Exec("INSERT INTO users SELECT seq, seq FROM seq_1_to_2500");
  Status loaded = Load(kMariadbAgeCheck);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  Exec("DROP TRIGGER zs_check_age_positive_bu");
  Exec("UPDATE users SET _zs_new_age = IF(id = 2222, -1, age)");
  std::vector<Action> complete = Actions(Phase::kComplete);
  ASSERT_EQ(complete.front().phase, CompletePhase::kPrepare);
  Status failed = conn_->Run(complete.front().sql);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find("constraint `age_positive` of table `users`: existing row with "
                                  "`id` = 2222 breaks it"),
            std::string::npos)
      << failed.message();
  EXPECT_EQ(Columns("users").size(), 3u);  // nothing dropped
  Exec("UPDATE users SET _zs_new_age = 1 WHERE id = 2222");
  EXPECT_TRUE(conn_->Run(complete.front().sql).ok());
}

TEST_F(MariadbOps, AlterColumnCheckRollbackDropsItsTriggers) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, age int)");
  Status loaded = Load(kMariadbAgeCheck);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  RunTwice(Phase::kRollback);
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id int(11) NOT NULL", "age int(11) NULL"}));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = "
                  "DATABASE()"),
            "0");
  Exec("INSERT INTO users VALUES (9, -9)");
}

TEST_F(MariadbOps, AlterColumnReferencesAddsAForeignKeyOnline) {
  Exec("CREATE TABLE teams (id int PRIMARY KEY)");
  Exec("INSERT INTO teams VALUES (1), (2)");
  Exec("CREATE TABLE users (id int PRIMARY KEY, team int)");
  Exec("INSERT INTO users VALUES (1, 1), (2, NULL), (3, 2)");
  Status loaded = Load(R"yaml(operations:
  - alter_column:
      table: users
      column: team
      references: {name: users_team_fk, table: teams, column: id}
      up: team
      down: team
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  // Enforced on new values from start on (the backfill's UPDATEs included).
  EXPECT_EQ(mysql::ErrorNumber(conn_->Run("UPDATE users SET _zs_new_team = 7 WHERE id = 1")), 1452);
  // A row written past the check fails complete's validation, before anything is dropped.
  Exec("SET foreign_key_checks = 0");
  Exec("UPDATE users SET _zs_new_team = IF(id = 3, 9, team)");
  Exec("SET foreign_key_checks = 1");
  std::vector<Action> complete = Actions(Phase::kComplete);
  ASSERT_EQ(complete.front().phase, CompletePhase::kPrepare);
  Status failed = conn_->Run(complete.front().sql);
  EXPECT_EQ(mysql::ErrorNumber(failed), 1452) << failed.message();
  EXPECT_NE(failed.message().find("`users_team_fk` of table `users`: existing row with `id` = 3"),
            std::string::npos)
      << failed.message();
  Exec("UPDATE users SET _zs_new_team = team");
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Query("SELECT id, team FROM users ORDER BY id"),
            (std::vector<std::string>{"1|1", "2|NULL", "3|2"}));
  EXPECT_EQ(mysql::ErrorNumber(conn_->Run("UPDATE users SET team = 7 WHERE id = 1")), 1452);
}

// The lab's type change (figure 6): the new column is NOT NULL from start on,
// INSTANT, its existing rows reading the default until the backfill writes
// `up` over them, so complete runs no table rebuild under the clients.
TEST_F(MariadbOps, AlterColumnAddsTheNewColumnNotNullAtStart) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, visits int NOT NULL DEFAULT 0)");
  Exec("INSERT INTO users VALUES (1, 36), (2, 7)");
  Status loaded = Load(R"yaml(operations:
  - alter_column: {table: users, column: visits, type: bigint, up: visits, down: visits}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  EXPECT_EQ(Columns("users").back(), "_zs_new_visits bigint(20) NOT NULL default 0");
  EXPECT_EQ(Query("SELECT id, _zs_new_visits FROM users ORDER BY id"),
            (std::vector<std::string>{"1|0", "2|0"}));  // the placeholder
  Status null_up = conn_->Run("UPDATE users SET _zs_new_visits = NULL WHERE id = 1");
  EXPECT_EQ(mysql::ErrorNumber(null_up), 1048) << null_up.message();  // refused at the write
  Exec("INSERT INTO users (id, visits) VALUES (3, 5)");               // leaving it out: the default
  Exec("UPDATE users SET _zs_new_visits = visits");                   // the backfill's work
  for (const Action& action : Actions(Phase::kComplete)) {
    EXPECT_EQ(action.sql.find("MODIFY"), std::string::npos) << action.sql;
    EXPECT_EQ(action.sql.find("INPLACE"), std::string::npos) << action.sql;
  }
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Columns("users"), (std::vector<std::string>{"id int(11) NOT NULL",
                                                        "visits bigint(20) NOT NULL default 0"}));
  EXPECT_EQ(Query("SELECT id, visits FROM users ORDER BY id"),
            (std::vector<std::string>{"1|36", "2|7", "3|5"}));
}

// Without a default the new column stays nullable until complete: NOT NULL
// without one, an old client's INSERT that leaves it out would fail (1364)
// before the dual-write trigger exists. Complete makes it NOT NULL, INPLACE.
TEST_F(MariadbOps, AlterColumnNotNullWithoutDefaultIsNullableUntilComplete) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, age int)");
  Exec("INSERT INTO users VALUES (1, NULL)");
  Status loaded = Load(R"yaml(operations:
  - alter_column: {table: users, column: age, nullable: false, up: "coalesce(age, 0)", down: age}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  EXPECT_EQ(Columns("users").back(), "_zs_new_age int(11) NULL");
  Exec("INSERT INTO users (id, age) VALUES (2, 4)");  // an old client's insert, before the trigger
  Exec("UPDATE users SET _zs_new_age = coalesce(age, 0)");
  bool modifies = false;
  for (const Action& action : Actions(Phase::kComplete)) {
    modifies = modifies || action.sql.find("MODIFY") != std::string::npos;
  }
  EXPECT_TRUE(modifies);
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id int(11) NOT NULL", "age int(11) NOT NULL"}));
  EXPECT_EQ(Query("SELECT id, age FROM users ORDER BY id"),
            (std::vector<std::string>{"1|0", "2|4"}));
}

}  // namespace
}  // namespace zs::ops
