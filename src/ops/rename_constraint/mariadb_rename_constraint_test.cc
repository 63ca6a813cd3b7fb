// rename_constraint on a real MariaDB, at complete: a unique constraint's
// index renamed INSTANT, a foreign key dropped and added under its new name
// in one ALTER (INPLACE, LOCK=NONE); each phase twice. A CHECK is refused
// (renaming one copies the table), before anything runs.
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

TEST_F(MariadbOps, RenameUniqueConstraintAtComplete) {
  Exec(
      "CREATE TABLE people (id int PRIMARY KEY, email varchar(50), UNIQUE KEY people_email "
      "(email))");
  Status loaded = Load(R"yaml(operations:
  - rename_constraint: {table: people, from: people_email, to: people_email_key}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  EXPECT_EQ(Indexes("people"),
            (std::vector<std::string>{"PRIMARY unique id", "people_email unique email"}));
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Indexes("people"),
            (std::vector<std::string>{"PRIMARY unique id", "people_email_key unique email"}));
}

TEST_F(MariadbOps, RenameForeignKeyConstraintAtComplete) {
  Exec("CREATE TABLE teams (id int PRIMARY KEY)");
  Exec(
      "CREATE TABLE people (id int PRIMARY KEY, team int, CONSTRAINT people_team FOREIGN KEY "
      "(team) REFERENCES teams (id) ON DELETE CASCADE)");
  Status loaded = Load(R"yaml(operations:
  - rename_constraint: {table: people, from: people_team, to: people_team_fk}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  RunTwice(Phase::kRollback);
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Query("SELECT CONSTRAINT_NAME, DELETE_RULE FROM "
                  "information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = "
                  "DATABASE()"),
            (std::vector<std::string>{"people_team_fk|CASCADE"}));
  EXPECT_EQ(mysql::ErrorNumber(conn_->Run("INSERT INTO people VALUES (1, 5)")), 1452);
}

TEST_F(MariadbOps, RenameConstraintIsRefused) {
  Exec(
      "CREATE TABLE people (id int PRIMARY KEY, name text, CONSTRAINT name_length CHECK "
      "(length(name) > 2))");
  Status status = Load(R"yaml(operations:
  - rename_constraint: {table: people, from: name_length, to: name_length_check}
)yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(
      status.message().find("rename_constraint: cannot run on MariaDB: MariaDB cannot rename"),
      std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("table \"people\""), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("create_constraint"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace zs::ops

namespace zs::ops {
namespace {

TEST_F(MariadbOps, RenamePrimaryKeyIsRefused) {
  Exec("CREATE TABLE people (id int PRIMARY KEY)");
  Status status = Load(R"yaml(operations:
  - rename_constraint: {table: people, from: PRIMARY, to: people_pk}
)yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("rename_constraint: cannot run on MariaDB: MariaDB cannot "
                                  "rename primary key constraint \"PRIMARY\" of table \"people\""),
            std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("remove the operation"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace zs::ops
