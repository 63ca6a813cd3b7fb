// add_column on a real MariaDB: each phase's Actions run twice (safe to
// repeat) and leave the catalog expected; refusals name the operation and why.
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

TEST_F(MariadbOps, AddColumnNullableWithDefaultAndComment) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL)");
  Exec("INSERT INTO users VALUES (1, 'Ada')");
  Status loaded = Load(R"yaml(operations:
  - add_column:
      table: users
      column: {name: score, type: int, nullable: false, default: "7", comment: the score}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  std::string plan = FormatActions(Actions(Phase::kStart));
  EXPECT_NE(plan.find("ALGORITHM=INSTANT, LOCK=NONE"), std::string::npos) << plan;
  EXPECT_NE(plan.find("[metadata lock (exclusive, brief) on users]"), std::string::npos) << plan;
  RunTwice(Phase::kStart);
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id int(11) NOT NULL", "name text NOT NULL",
                                      "score int(11) NOT NULL default 7 comment the score"}));
  EXPECT_EQ(Value("SELECT score FROM users WHERE id = 1"), "7");
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Columns("users").size(), 3u);
}

TEST_F(MariadbOps, AddColumnNotNullWithUpIsSetNotNullAtComplete) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL)");
  Exec("INSERT INTO users VALUES (1, 'Ada Lovelace')");
  Status loaded = Load(R"yaml(operations:
  - add_column:
      table: users
      up: name
      column: {name: first_name, type: varchar(50), nullable: false, unique: true}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  EXPECT_EQ(Columns("users").back(), "first_name varchar(50) NULL");
  EXPECT_EQ(Indexes("users"), (std::vector<std::string>{"PRIMARY unique id",
                                                        "users_first_name_key unique first_name"}));
  Exec("UPDATE users SET first_name = 'Ada'");  // the backfill's work
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Columns("users").back(), "first_name varchar(50) NOT NULL");
}

TEST_F(MariadbOps, AddColumnRollbackDropsTheColumnTwice) {
  Exec("CREATE TABLE users (id int PRIMARY KEY)");
  Status loaded = Load(R"yaml(operations:
  - add_column:
      table: users
      column: {name: email, type: varchar(100), nullable: true, unique: true}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  RunTwice(Phase::kRollback);
  EXPECT_EQ(Columns("users"), (std::vector<std::string>{"id int(11) NOT NULL"}));
  EXPECT_EQ(Indexes("users"), (std::vector<std::string>{"PRIMARY unique id"}));
}

TEST_F(MariadbOps, AddColumnForeignKeyIsCheckedThenAddedAtComplete) {
  Exec("CREATE TABLE teams (id int PRIMARY KEY)");
  Exec("CREATE TABLE users (id int PRIMARY KEY)");
  Exec("INSERT INTO teams VALUES (1)");
  Exec("INSERT INTO users VALUES (1), (2)");
  Status loaded = Load(R"yaml(operations:
  - add_column:
      table: users
      column:
        name: team_id
        type: int
        nullable: true
        references: {name: users_team_fk, table: teams, column: id}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  Exec("UPDATE users SET team_id = 5 WHERE id = 2");  // an orphan
  try {
    RunTwice(Phase::kComplete);
    ADD_FAILURE() << "complete ran over an orphan row";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("some rows reference no row of teams"), std::string::npos)
        << e.what();
  }
  Exec("UPDATE users SET team_id = 1 WHERE id = 2");
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Value("SELECT CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE "
                  "CONSTRAINT_SCHEMA = DATABASE()"),
            "users_team_fk");
}

constexpr const char* kMariadbAddAgeWithCheck = R"yaml(operations:
  - add_column:
      table: users
      up: "CASE WHEN id > 0 THEN id END"
      column:
        name: age
        type: int
        nullable: true
        default: "-1"
        check: {name: age_positive, constraint: age > 0}
)yaml";

// MariaDB has no online CHECK: the check is a trigger from start on, and
// complete validates the rows (here, one left with the default -1, which no
// trigger saw) before the migration is done.
TEST_F(MariadbOps, AddColumnCheckIsATriggerAndTheRowsAreValidated) {
  Exec("CREATE TABLE users (id int PRIMARY KEY)");
  Exec("INSERT INTO users VALUES (1), (2)");
  Status loaded = Load(kMariadbAddAgeWithCheck);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  EXPECT_EQ(mysql::ErrorNumber(conn_->Run("INSERT INTO users VALUES (3, 0)")), 4025);
  EXPECT_EQ(mysql::ErrorNumber(conn_->Run("UPDATE users SET age = -5 WHERE id = 1")), 4025);
  Exec("INSERT INTO users VALUES (3, NULL)");      // NULL passes, as for a CHECK
  Exec("UPDATE users SET age = id WHERE id = 1");  // the backfill's work, on one row only
  std::vector<Action> complete = Actions(Phase::kComplete);
  ASSERT_FALSE(complete.empty());
  ASSERT_EQ(complete.front().phase, CompletePhase::kPrepare);
  Status failed = conn_->Run(complete.front().sql);
  EXPECT_EQ(mysql::ErrorNumber(failed), 4025) << failed.message();
  EXPECT_NE(failed.message().find("existing row with `id` = 2"), std::string::npos)
      << failed.message();
  Exec("UPDATE users SET age = id WHERE id = 2");
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Query("SELECT id, age FROM users ORDER BY id"),
            (std::vector<std::string>{"1|1", "2|2", "3|NULL"}));
  EXPECT_EQ(mysql::ErrorNumber(conn_->Run("UPDATE users SET age = 0 WHERE id = 1")), 4025);
}

TEST_F(MariadbOps, AddColumnCheckRollbackDropsItsTriggers) {
  Exec("CREATE TABLE users (id int PRIMARY KEY)");
  Status loaded = Load(kMariadbAddAgeWithCheck);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  RunTwice(Phase::kRollback);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = "
                  "DATABASE()"),
            "0");
  EXPECT_EQ(Columns("users"), (std::vector<std::string>{"id int(11) NOT NULL"}));
}

TEST_F(MariadbOps, AddColumnCheckWithoutASingleColumnKeyIsRefused) {
  Exec("CREATE TABLE users (id int, region int, PRIMARY KEY (id, region))");
  Status status = Load(R"yaml(operations:
  - add_column:
      table: users
      column:
        name: age
        type: int
        nullable: true
        check: {name: age_positive, constraint: age > 0}
)yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("m.yaml:"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("add_column: cannot run on MariaDB"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("table \"users\""), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("single-column primary key"), std::string::npos)
      << status.message();
  EXPECT_EQ(Columns("users").size(), 2u);
}

}  // namespace
}  // namespace zs::ops
