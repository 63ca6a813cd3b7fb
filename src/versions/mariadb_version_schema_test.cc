// MariaDB versions against a real MariaDB 10.11, their SQL run by hand: a
// database of SQL SECURITY INVOKER views, grants copied, ownership proven by
// the database's comment.
#include "versions/mariadb_version_schema.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "backend/mariadb_backend.h"
#include "backend/postgres_backend.h"
#include "mysql/connection.h"
#include "testing/mariadb_sql.h"
#include "testing/shared_mariadb.h"

namespace zs::versions {
namespace {

using mysql::QuoteIdentifier;
using mysql::QuoteLiteral;
using zs::testing::mariadb_sql::DatabaseOf;
using zs::testing::mariadb_sql::One;
using zs::testing::mariadb_sql::OpenOrDie;
using zs::testing::mariadb_sql::RunOk;

// users(id, full_name, email) in the version, over users(id, name, email).
schema::Schema Shape(const std::string& database) {
  schema::Table users{.name = "users", .physical_name = "users"};
  users.columns = {{.name = "id", .physical_name = "id"},
                   {.name = "full_name", .physical_name = "name"},
                   {.name = "email", .physical_name = "email"}};
  return {.name = database, .tables = {users}};
}

void Create(mysql::Connection& conn, const schema::Schema& shape, const std::string& version) {
  for (const auto& action : MariadbVersions().CreateActions(shape, version, 101119)) {
    RunOk(conn, action.sql);
  }
}

std::string CountDatabases(mysql::Connection& conn, const std::string& name) {
  return One(conn, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = BINARY " +
                       QuoteLiteral(name));
}

TEST(VersionSeamTest, PostgresBehindTheInterfaceIsTheFreeFunctions) {
  const VersionSql& pg = VersionSqlFor(backend::Postgres());
  EXPECT_EQ(&pg, &PostgresVersions());
  EXPECT_EQ(&VersionSqlFor(backend::Mariadb()), &MariadbVersions());
  schema::Schema shape = Shape("public");
  EXPECT_EQ(pg.VersionName("public", "02_split", ""), VersionSchemaName("public", "02_split", ""));
  EXPECT_EQ(pg.VersionName("public", "02_split", "v2"), "public_v2");
  for (int server : {140000, 150000}) {
    std::vector<ops::Action> got = pg.CreateActions(shape, "public_v2", server);
    std::vector<ops::Action> want = CreateVersionActions(shape, "public_v2", server);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].id, want[i].id);
      EXPECT_EQ(got[i].sql, want[i].sql);
      EXPECT_EQ(got[i].lock, want[i].lock);
      EXPECT_EQ(got[i].table, want[i].table);
    }
  }
  EXPECT_EQ(pg.CopyGrantsSql(shape.tables[0], "public", "public_v2"),
            CopyGrantsSql(shape.tables[0], "public", "public_v2"));
  EXPECT_EQ(pg.DropAction("public_v2").sql, DropVersionAction("public_v2").sql);
  EXPECT_EQ(pg.DropAction("public_v2").id, DropVersionAction("public_v2").id);
}

TEST(VersionSeamTest, MariadbVersionNamesFitInSixtyFourCharacters) {
  EXPECT_EQ(MariadbVersions().VersionName("app", "02_split_name", ""), "app_02_split_name");
  EXPECT_EQ(MariadbVersions().VersionName("app", "02_split_name", "v2"), "app_v2");
  std::string long_name =
      MariadbVersionDatabaseName(std::string(40, 'd'), std::string(40, 'm'), "");
  EXPECT_EQ(long_name.size(), 64u);
  EXPECT_EQ(long_name, MariadbVersionDatabaseName(std::string(40, 'd'), std::string(40, 'm'), ""));
  EXPECT_NE(long_name, MariadbVersionDatabaseName(std::string(40, 'd'), std::string(41, 'm'), ""));
  EXPECT_EQ(long_name.rfind(std::string(40, 'd') + "_mmm", 0), 0u);
}

class MariadbVersionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::FreshMariadbDatabaseUrl();
    database_ = DatabaseOf(url_);
    version_ = database_ + "_02_split_name";
    conn_ = std::make_unique<mysql::Connection>(OpenOrDie(url_));
    RunOk(*conn_,
          "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, email "
          "VARCHAR(100) DEFAULT 'none')");
  }
  std::string url_, database_, version_;
  std::unique_ptr<mysql::Connection> conn_;
};

TEST_F(MariadbVersionTest, ADatabaseOfUpdatableInvokerViewsMarkedAsOurs) {
  Create(*conn_, Shape(database_), version_);
  Create(*conn_, Shape(database_), version_);  // a step run twice
  EXPECT_EQ(One(*conn_,
                "SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA WHERE "
                "SCHEMA_NAME = " +
                    QuoteLiteral(version_)),
            "zeroshift version of database `" + database_ + "`");
  EXPECT_EQ(One(*conn_,
                "SELECT CONCAT(SECURITY_TYPE, '/', IS_UPDATABLE) FROM "
                "information_schema.VIEWS WHERE TABLE_SCHEMA = " +
                    QuoteLiteral(version_)),
            "INVOKER/YES");
  mysql::Connection client = OpenOrDie(url_);
  RunOk(client, "USE " + QuoteIdentifier(version_));
  RunOk(client, "INSERT INTO users (id, full_name) VALUES (1, 'Ann Lee')");
  RunOk(client, "UPDATE users SET full_name = 'Ann Roe' WHERE id = 1");
  EXPECT_EQ(One(*conn_, "SELECT CONCAT(name, '/', email) FROM users WHERE id = 1"), "Ann Roe/none");
  EXPECT_EQ(One(client, "SELECT full_name FROM users"), "Ann Roe");
}

TEST_F(MariadbVersionTest, RefusesADatabaseOfThatNameThatIsNotOurs) {
  RunOk(*conn_, "CREATE DATABASE " + QuoteIdentifier(version_));
  RunOk(*conn_, "CREATE VIEW " + QuoteIdentifier(version_) + ".users AS SELECT 1 AS mine");
  std::vector<ops::Action> actions = MariadbVersions().CreateActions(Shape(database_), version_, 0);
  Status refused = conn_->Run(actions.front().sql);
  EXPECT_EQ(mysql::ErrorNumber(refused), 1644) << refused.ToString();
  EXPECT_NE(refused.ToString().find("database `" + version_ +
                                    "` exists and was not created by "
                                    "zeroshift"),
            std::string::npos)
      << refused.ToString();
  // Drop leaves it alone, view and all.
  RunOk(*conn_, MariadbVersions().DropAction(version_).sql);
  EXPECT_EQ(One(*conn_, "SELECT mine FROM " + QuoteIdentifier(version_) + ".users"), "1");
  RunOk(*conn_, "DROP DATABASE " + QuoteIdentifier(version_));
}

TEST_F(MariadbVersionTest, DropRemovesOnlyOursAndRefusesToLoseData) {
  Create(*conn_, Shape(database_), version_);
  RunOk(*conn_, "CREATE TABLE " + QuoteIdentifier(version_) + ".notes (n INT)");
  Status refused = conn_->Run(MariadbVersions().DropAction(version_).sql);
  EXPECT_EQ(mysql::ErrorNumber(refused), 1644);
  EXPECT_NE(refused.ToString().find("also holds tables or routines"), std::string::npos)
      << refused.ToString();
  EXPECT_EQ(CountDatabases(*conn_, version_), "1");
  RunOk(*conn_, "DROP TABLE " + QuoteIdentifier(version_) + ".notes");
  RunOk(*conn_, MariadbVersions().DropAction(version_).sql);
  EXPECT_EQ(CountDatabases(*conn_, version_), "0");
  RunOk(*conn_, MariadbVersions().DropAction(version_).sql);  // again: nothing to do
  EXPECT_EQ(One(*conn_, "SELECT COUNT(*) FROM users"), "0");  // the user's table stays
  // A database whose name differs only in case is another database.
  std::string upper = database_ + "_V3";
  RunOk(*conn_, "CREATE DATABASE " + QuoteIdentifier(upper));
  Create(*conn_, Shape(database_), database_ + "_v3");
  RunOk(*conn_, MariadbVersions().DropAction(database_ + "_v3").sql);
  EXPECT_EQ(CountDatabases(*conn_, upper), "1");
  RunOk(*conn_, "DROP DATABASE " + QuoteIdentifier(upper));
}

TEST_F(MariadbVersionTest, GrantsAreCopiedUnderTheVersionsNamesAndRevokedAtDrop) {
  std::string suffix = database_;  // users and roles are server-wide
  std::string user = "u'" + suffix, role = "r_" + suffix, reader = "c_" + suffix;
  std::string user_sql = QuoteLiteral(user) + "@'%'";
  std::string reader_sql = QuoteLiteral(reader) + "@'%'";
  RunOk(*conn_, "CREATE USER " + user_sql + " IDENTIFIED BY 'pw'");
  RunOk(*conn_, "CREATE ROLE " + QuoteIdentifier(role));
  RunOk(*conn_, "CREATE USER " + reader_sql);
  RunOk(*conn_, "GRANT SELECT, INSERT ON users TO " + user_sql + " WITH GRANT OPTION");
  RunOk(*conn_, "GRANT SELECT, UPDATE, ALTER ON users TO " + QuoteIdentifier(role));
  RunOk(*conn_, "GRANT SELECT (id, name), UPDATE (name) ON users TO " + reader_sql);
  RunOk(*conn_, "GRANT DELETE ON " + QuoteIdentifier(database_) + ".* TO " + reader_sql);

  Create(*conn_, Shape(database_), version_);
  std::string in_version = " WHERE TABLE_SCHEMA = " + QuoteLiteral(version_);
  EXPECT_EQ(One(*conn_,
                "SELECT GROUP_CONCAT(CONCAT(GRANTEE, ':', PRIVILEGE_TYPE, ':', "
                "IS_GRANTABLE) ORDER BY GRANTEE, PRIVILEGE_TYPE) FROM "
                "information_schema.TABLE_PRIVILEGES" +
                    in_version),
            "'" + role + "'@'':SELECT:NO,'" + role + "'@'':UPDATE:NO,'" + user +
                "'@'%':INSERT:YES,'" + user + "'@'%':SELECT:YES");
  EXPECT_EQ(One(*conn_,
                "SELECT GROUP_CONCAT(CONCAT(COLUMN_NAME, ':', PRIVILEGE_TYPE) ORDER BY "
                "COLUMN_NAME, PRIVILEGE_TYPE) FROM information_schema.COLUMN_PRIVILEGES" +
                    in_version),
            "full_name:SELECT,full_name:UPDATE,id:SELECT");
  EXPECT_EQ(One(*conn_,
                "SELECT GROUP_CONCAT(PRIVILEGE_TYPE) FROM "
                "information_schema.SCHEMA_PRIVILEGES" +
                    in_version),
            "DELETE");
  // The copied column grant works: the reader reads the version's view.
  mysql::ConnectParams params = mysql::ParseUrl(url_).value();
  params.user = reader;
  params.database = version_;
  Result<mysql::Connection> as_reader = mysql::Connection::Open(params);
  ASSERT_TRUE(as_reader.ok()) << as_reader.status().ToString();
  RunOk(*conn_, "INSERT INTO users (id, name) VALUES (1, 'Ann')");
  // MariaDB checks every column an invoker's view names, used or not: with
  // SELECT on only some of the table's columns, the view is refused (1356).
  Result<mysql::Rows> partial = as_reader->Exec("SELECT CONCAT(id, full_name) FROM users");
  EXPECT_EQ(mysql::ErrorNumber(partial.status()), 1356) << partial.status().ToString();
  // A grant made since start is carried when the grants are copied again.
  RunOk(*conn_, "GRANT SELECT (email) ON users TO " + reader_sql);
  RunOk(*conn_, MariadbVersions().CopyGrantsSql(Shape(database_).tables[0], database_, version_));
  EXPECT_EQ(One(*conn_,
                "SELECT GROUP_CONCAT(CONCAT(COLUMN_NAME, ':', PRIVILEGE_TYPE) ORDER BY "
                "COLUMN_NAME, PRIVILEGE_TYPE) FROM information_schema.COLUMN_PRIVILEGES" +
                    in_version),
            "email:SELECT,full_name:SELECT,full_name:UPDATE,id:SELECT");
  EXPECT_EQ(One(*as_reader, "SELECT CONCAT(id, full_name) FROM users"), "1Ann");
  RunOk(*as_reader, "UPDATE users SET full_name = 'Bea' WHERE id = 1");
  EXPECT_EQ(One(*conn_, "SELECT name FROM users"), "Bea");
  // Not granted on the table: refused through the view too (invoker's rights).
  EXPECT_FALSE(as_reader->Run("INSERT INTO users (id, full_name) VALUES (2, 'x')").ok());

  RunOk(*conn_, MariadbVersions().DropAction(version_).sql);
  EXPECT_EQ(
      One(*conn_, "SELECT COUNT(*) FROM mysql.tables_priv WHERE Db = " + QuoteLiteral(version_)),
      "0");
  EXPECT_EQ(
      One(*conn_, "SELECT COUNT(*) FROM mysql.columns_priv WHERE Db = " + QuoteLiteral(version_)),
      "0");
  EXPECT_EQ(One(*conn_, "SELECT COUNT(*) FROM mysql.db WHERE Db = " + QuoteLiteral(version_)), "0");
  // The base table's grants are untouched.
  EXPECT_EQ(One(*conn_,
                "SELECT COUNT(*) FROM information_schema.TABLE_PRIVILEGES WHERE "
                "TABLE_SCHEMA = " +
                    QuoteLiteral(database_)),
            "5");
  RunOk(*conn_, "DROP USER " + user_sql);
  RunOk(*conn_, "DROP USER " + reader_sql);
  RunOk(*conn_, "DROP ROLE " + QuoteIdentifier(role));
}

}  // namespace
}  // namespace zs::versions
