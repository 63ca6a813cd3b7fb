// The MariaDB dual write against a real MariaDB 10.11, its SQL run by hand
// (the engine does not run on MariaDB yet): the seed's split of users.name
// into first_name and last_name.
#include "triggers/mariadb_dual_write.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "mysql/connection.h"
#include "testing/mariadb_sql.h"
#include "testing/shared_mariadb.h"
#include "versions/mariadb_version_schema.h"

namespace zs::triggers {
namespace {

using mysql::QuoteIdentifier;
using mysql::QuoteLiteral;
using zs::testing::mariadb_sql::DatabaseOf;
using zs::testing::mariadb_sql::One;
using zs::testing::mariadb_sql::OpenOrDie;
using zs::testing::mariadb_sql::RunOk;

// The seed's split on database.table: first_name and last_name computed by
// `up` from name, name by `down` from them; `name_column` and the names of
// the new columns are what the table calls them.
struct Split {
  std::string database, table, version;
  std::string id = "id", name = "name", first = "first_name", last = "last_name";

  std::string Table() const { return QuoteIdentifier(database) + "." + QuoteIdentifier(table); }

  std::vector<TriggerSpec> Specs() const {
    std::string n = QuoteIdentifier(name), f = QuoteIdentifier(first), l = QuoteIdentifier(last);
    TriggerSpec up_first{.name = "first_up",
                         .schema = database,
                         .table = table,
                         .direction = Direction::kUp,
                         .version_schema = version,
                         .variables = {{id, id}, {name, name}},
                         .target_column = first,
                         .target_unwritten_value = "NULL",
                         .expression = "SUBSTRING_INDEX(" + n + ",' ',1)"};
    TriggerSpec up_last = up_first;
    up_last.name = "last_up";
    up_last.target_column = last;
    up_last.expression = "SUBSTRING_INDEX(" + n + ",' ',-1)";
    TriggerSpec down{.name = "name_down",
                     .schema = database,
                     .table = table,
                     .direction = Direction::kDown,
                     .version_schema = version,
                     .variables = {{id, id}, {first, first}, {last, last}},
                     .target_column = name,
                     .target_unwritten_value = "NULL",
                     .expression = "CONCAT_WS(' ', " + f + ", " + l + ")"};
    return {up_first, up_last, down};
  }

  // The base table as the seed has it, then the new columns (the
  // operations' part), then the triggers.
  void Install(mysql::Connection& conn, const UserTriggers& user = {}) const {
    for (const auto& action : MariadbDualWrite().InstallActions(Specs(), user)) {
      RunOk(conn, action.sql);
    }
  }
  void CreateTable(mysql::Connection& conn) const {
    RunOk(conn, "CREATE TABLE " + Table() + " (" + QuoteIdentifier(id) + " INT PRIMARY KEY, " +
                    QuoteIdentifier(name) + " VARCHAR(100) NOT NULL)");
    RunOk(conn, "ALTER TABLE " + Table() + " ADD COLUMN " + QuoteIdentifier(first) +
                    " VARCHAR(100), ADD COLUMN " + QuoteIdentifier(last) +
                    " VARCHAR(100), ALGORITHM=INSTANT");
  }
  // The version: a database with a view showing id, first, last.
  void CreateVersion(mysql::Connection& conn) const {
    schema::Schema shape{.name = database};
    schema::Table users{.name = table, .physical_name = table};
    for (const auto& column : {id, first, last}) {
      users.columns.push_back({.name = column, .physical_name = column});
    }
    shape.tables.push_back(users);
    for (const auto& action : versions::MariadbVersions().CreateActions(shape, version, 0)) {
      RunOk(conn, action.sql);
    }
  }
  std::string Row(mysql::Connection& conn, int key) const {
    Result<mysql::Rows> rows =
        conn.Exec("SELECT " + QuoteIdentifier(name) + ", " + QuoteIdentifier(first) + ", " +
                  QuoteIdentifier(last) + ", " + QuoteIdentifier(MarkerColumnName()) + " FROM " +
                  Table() + " WHERE " + QuoteIdentifier(id) + " = " + std::to_string(key));
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    if (!rows.ok() || rows->empty()) return "<none>";
    std::string out;
    for (int c = 0; c < rows->columns(); ++c) {
      out += (c == 0 ? "" : "|") + (rows->IsNull(0, c) ? std::string("NULL") : rows->Get(0, c));
    }
    return out;
  }
  // A client of the new version: its database selected, the variable set.
  mysql::Connection NewClient(const std::string& url, bool set_variable = true) const {
    mysql::Connection conn = OpenOrDie(url);
    EXPECT_TRUE(conn.Run("USE " + QuoteIdentifier(version)).ok());
    if (set_variable) {
      EXPECT_TRUE(conn.Run("SET @zeroshift_version = " + QuoteLiteral(version)).ok());
    }
    return conn;
  }
};

class MariadbDualWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::FreshMariadbDatabaseUrl();
    split_.database = DatabaseOf(url_);
    split_.table = "users";
    split_.version = split_.database + "_02_split_name";
  }
  std::string url_;
  Split split_;
};

TEST_F(MariadbDualWriteTest, OldAndNewClientsEachFillTheOtherShape) {
  mysql::Connection old_client = OpenOrDie(url_);
  split_.CreateTable(old_client);
  RunOk(old_client, "INSERT INTO users (id, name) VALUES (1, 'Before Start')");
  split_.Install(old_client);
  split_.CreateVersion(old_client);

  // An old client writes the base table: `up` fills the new columns.
  RunOk(old_client, "INSERT INTO users (id, name) VALUES (2, 'Ann Lee')");
  EXPECT_EQ(split_.Row(old_client, 2), "Ann Lee|Ann|Lee|1");
  RunOk(old_client, "UPDATE users SET name = 'Ann Marie' WHERE id = 2");
  EXPECT_EQ(split_.Row(old_client, 2), "Ann Marie|Ann|Marie|1");
  // Untouched since start: no marker, the backfill's work.
  EXPECT_EQ(split_.Row(old_client, 1), "Before Start|NULL|NULL|NULL");

  // A new client writes through its version's view: `down` fills name,
  // which the view does not show (and which is NOT NULL without a default).
  mysql::Connection new_client = split_.NewClient(url_);
  RunOk(new_client, "INSERT INTO users (id, first_name, last_name) VALUES (3, 'Bob', 'Roe')");
  EXPECT_EQ(split_.Row(old_client, 3), "Bob Roe|Bob|Roe|0");
  RunOk(new_client, "UPDATE users SET last_name = 'Stone' WHERE id = 3");
  EXPECT_EQ(split_.Row(old_client, 3), "Bob Stone|Bob|Stone|0");
  EXPECT_EQ(One(new_client, "SELECT CONCAT(first_name, '/', last_name) FROM users WHERE id = 2"),
            "Ann/Marie");

  // The same new-version session writing the base table in the old shape is
  // an old write: `down` must not overwrite the name it wrote.
  RunOk(new_client, "UPDATE " + split_.Table() + " SET name = 'Carl Dane' WHERE id = 3");
  EXPECT_EQ(split_.Row(old_client, 3), "Carl Dane|Carl|Dane|1");
  // So is its INSERT into the base table that sets name and no new column.
  RunOk(new_client, "INSERT INTO " + split_.Table() + " (id, name) VALUES (4, 'Dee Fox')");
  EXPECT_EQ(split_.Row(old_client, 4), "Dee Fox|Dee|Fox|1");
}

TEST_F(MariadbDualWriteTest, ANewClientThatForgotTheVariableIsStoppedWithTheFix) {
  mysql::Connection conn = OpenOrDie(url_);
  split_.CreateTable(conn);
  RunOk(conn, "INSERT INTO users (id, name) VALUES (1, 'Ann Lee')");
  split_.Install(conn);
  split_.CreateVersion(conn);

  mysql::Connection forgetful = split_.NewClient(url_, /*set_variable=*/false);
  Status update = forgetful.Run("UPDATE users SET first_name = 'Zoe' WHERE id = 1");
  ASSERT_FALSE(update.ok());
  EXPECT_EQ(mysql::ErrorNumber(update), 1644);
  EXPECT_EQ(update.sqlstate(), "45000");
  std::string message = update.ToString();
  EXPECT_NE(message.find("UPDATE of " + split_.Table()), std::string::npos) << message;
  EXPECT_NE(message.find("version `" + split_.version + "`"), std::string::npos) << message;
  EXPECT_NE(message.find("SET @zeroshift_version = '" + split_.version + "'"), std::string::npos)
      << message;
  EXPECT_NE(message.find("`first_name`"), std::string::npos) << message;
  EXPECT_EQ(split_.Row(conn, 1), "Ann Lee|NULL|NULL|NULL");  // nothing written

  Status insert =
      forgetful.Run("INSERT INTO users (id, first_name, last_name) VALUES (2, 'Bob', 'Roe')");
  ASSERT_FALSE(insert.ok());
  EXPECT_EQ(mysql::ErrorNumber(insert), 1644);
  EXPECT_NE(insert.ToString().find("INSERT into " + split_.Table()), std::string::npos)
      << insert.ToString();
  EXPECT_NE(insert.ToString().find("(`name`)"), std::string::npos) << insert.ToString();
  EXPECT_EQ(split_.Row(conn, 2), "<none>");

  // What the guard cannot tell from an old write goes through as one: an
  // UPDATE of a column both shapes have recomputes the new columns.
  RunOk(forgetful, "UPDATE users SET id = 11 WHERE id = 1");
  EXPECT_EQ(split_.Row(conn, 11), "Ann Lee|Ann|Lee|1");

  // With the variable set, the same writes go through.
  RunOk(forgetful, "SET @zeroshift_version = " + QuoteLiteral(split_.version));
  RunOk(forgetful, "UPDATE users SET first_name = 'Zoe' WHERE id = 11");
  EXPECT_EQ(split_.Row(conn, 11), "Zoe Lee|Zoe|Lee|0");
  // Another version's name is not this version's.
  RunOk(forgetful, "SET @zeroshift_version = " + QuoteLiteral(split_.version + "_other"));
  EXPECT_EQ(mysql::ErrorNumber(forgetful.Run("UPDATE users SET first_name = 'Al' WHERE id = 11")),
            1644);
  // Old clients changing name together with a new column are old writes.
  mysql::Connection old_client = OpenOrDie(url_);
  RunOk(old_client, "UPDATE users SET name = 'Al Bo', first_name = 'x' WHERE id = 11");
  EXPECT_EQ(split_.Row(conn, 11), "Al Bo|Al|Bo|1");
}

TEST_F(MariadbDualWriteTest, TheBackfillSessionStepsTheTriggersAside) {
  mysql::Connection conn = OpenOrDie(url_);
  split_.CreateTable(conn);
  RunOk(conn, "INSERT INTO users (id, name) VALUES (1, 'Ann Lee'), (2, 'Bob Roe')");
  split_.Install(conn);

  mysql::Connection backfill = OpenOrDie(url_);
  RunOk(backfill, "SET @zeroshift_backfill = 1");
  // Not touched by the triggers: no `up`, no marker, no guard.
  RunOk(backfill, "UPDATE users SET name = name WHERE id = 1");
  EXPECT_EQ(split_.Row(conn, 1), "Ann Lee|NULL|NULL|NULL");
  RunOk(backfill,
        "UPDATE users SET first_name = SUBSTRING_INDEX(name,' ',1), last_name = "
        "SUBSTRING_INDEX(name,' ',-1), _zs_synced = 1 WHERE id BETWEEN 1 AND 2 AND _zs_synced "
        "IS NULL");
  EXPECT_EQ(split_.Row(conn, 2), "Bob Roe|Bob|Roe|1");
  RunOk(backfill, "INSERT INTO users (id, name) VALUES (3, 'Cy Doe')");
  EXPECT_EQ(split_.Row(conn, 3), "Cy Doe|NULL|NULL|NULL");
  // Other sessions still get the triggers.
  RunOk(conn, "UPDATE users SET name = 'Ann Other' WHERE id = 1");
  EXPECT_EQ(split_.Row(conn, 1), "Ann Other|Ann|Other|1");
}

// The backfill's session fires both triggers for every row it writes, and
// MariaDB builds a body's local variables (any block's) at every firing,
// before the step-aside test: the bodies keep what a local would hold in the
// row's marker field instead (bench/README.md section 6 measured the cost).
TEST_F(MariadbDualWriteTest, TheBodiesDeclareNoLocalVariable) {
  for (MariadbEvent event : {MariadbEvent::kInsert, MariadbEvent::kUpdate}) {
    std::string sql = MariadbCreateTriggerSql(split_.Specs(), event, "");
    EXPECT_EQ(sql.find("DECLARE"), std::string::npos) << sql;
    EXPECT_NE(sql.find("zs_dual_write: BEGIN\n  IF @zeroshift_backfill <=> 1 THEN\n"),
              std::string::npos)
        << sql;
  }
}

// The backfill's batch is a transaction of its own session with the
// variable set; the clients writing while it is open, in other sessions,
// still go through the triggers (the step-aside test is per session, and the
// first thing the trigger evaluates).
TEST_F(MariadbDualWriteTest, ClientWritesDuringAnOpenBackfillBatchAreStillDualWritten) {
  mysql::Connection conn = OpenOrDie(url_);
  split_.CreateTable(conn);
  RunOk(conn, "INSERT INTO users (id, name) VALUES (1, 'Ann Lee'), (2, 'Bob Roe'), (3, 'Cy Doe')");
  split_.Install(conn);
  split_.CreateVersion(conn);

  mysql::Connection backfill = OpenOrDie(url_);
  RunOk(backfill, "SET @zeroshift_backfill = 1");
  RunOk(backfill, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
  RunOk(backfill, "START TRANSACTION");
  RunOk(backfill,
        "UPDATE users SET first_name = SUBSTRING_INDEX(name,' ',1), last_name = "
        "SUBSTRING_INDEX(name,' ',-1), _zs_synced = 1 WHERE id BETWEEN 1 AND 2 AND _zs_synced "
        "IS NULL");

  // While the batch holds rows 1 and 2: an old client updates row 3 and
  // inserts, a new client inserts through its version.
  mysql::Connection old_client = OpenOrDie(url_);
  RunOk(old_client, "UPDATE users SET name = 'Cy Moe' WHERE id = 3");
  RunOk(old_client, "INSERT INTO users (id, name) VALUES (4, 'Di Poe')");
  mysql::Connection new_client = split_.NewClient(url_);
  RunOk(new_client, "INSERT INTO users (id, first_name, last_name) VALUES (5, 'Ed', 'Ko')");
  EXPECT_EQ(split_.Row(conn, 3), "Cy Moe|Cy|Moe|1");
  EXPECT_EQ(split_.Row(conn, 4), "Di Poe|Di|Poe|1");
  EXPECT_EQ(split_.Row(conn, 5), "Ed Ko|Ed|Ko|0");
  EXPECT_EQ(split_.Row(conn, 1), "Ann Lee|NULL|NULL|NULL");  // not committed yet

  RunOk(backfill, "COMMIT");
  RunOk(backfill, "SET @zeroshift_backfill = NULL");
  EXPECT_EQ(split_.Row(conn, 1), "Ann Lee|Ann|Lee|1");
  EXPECT_EQ(split_.Row(conn, 2), "Bob Roe|Bob|Roe|1");
  // The backfill's session, once it cleared the variable, is a client again.
  RunOk(backfill, "UPDATE users SET name = 'Bob Hale' WHERE id = 2");
  EXPECT_EQ(split_.Row(conn, 2), "Bob Hale|Bob|Hale|1");
}

// An expression reads each column in the column's own type and collation,
// under the name the spec binds it to: a VARBINARY compares byte for byte,
// a VARCHAR of a case-insensitive collation does not.
TEST_F(MariadbDualWriteTest, AnExpressionSeesEachColumnInItsOwnType) {
  mysql::Connection conn = OpenOrDie(url_);
  RunOk(conn,
        "CREATE TABLE codes (id INT PRIMARY KEY, code VARBINARY(10) NOT NULL, grade VARCHAR(10) "
        "COLLATE utf8mb4_general_ci NOT NULL, verdict VARCHAR(40))");
  TriggerSpec up{.name = "verdict_up",
                 .schema = split_.database,
                 .table = "codes",
                 .direction = Direction::kUp,
                 .version_schema = split_.version,
                 .variables = {{"c", "code"}, {"grade", "grade"}},
                 .target_column = "verdict",
                 .target_unwritten_value = "NULL",
                 .expression =
                     "CONCAT(IF(c = 'abc', 'same', 'differs'), '/', "
                     "IF(grade = 'abc', 'same', 'differs'))"};
  for (const auto& action : MariadbDualWrite().InstallActions({up}, {})) RunOk(conn, action.sql);
  RunOk(conn, "INSERT INTO codes (id, code, grade) VALUES (1, 'ABC', 'ABC')");
  EXPECT_EQ(One(conn, "SELECT verdict FROM codes WHERE id = 1"), "differs/same");
  RunOk(conn, "UPDATE codes SET code = 'abc', grade = 'x' WHERE id = 1");
  EXPECT_EQ(One(conn, "SELECT verdict FROM codes WHERE id = 1"), "same/differs");
}

TEST_F(MariadbDualWriteTest, UserTriggersRunFirstAndKeepWorking) {
  mysql::Connection conn = OpenOrDie(url_);
  split_.CreateTable(conn);
  RunOk(conn, "CREATE TABLE audit (id INT, what VARCHAR(200))");
  // The user's own BEFORE triggers: trim the name; record each update.
  RunOk(conn,
        "CREATE TRIGGER users_trim BEFORE UPDATE ON users FOR EACH ROW SET NEW.name = "
        "TRIM(NEW.name)");
  RunOk(conn,
        "CREATE TRIGGER users_audit BEFORE UPDATE ON users FOR EACH ROW INSERT INTO audit VALUES "
        "(NEW.id, NEW.name)");
  RunOk(conn,
        "CREATE TRIGGER users_trim_insert BEFORE INSERT ON users FOR EACH ROW SET NEW.name = "
        "TRIM(NEW.name)");
  RunOk(conn, "INSERT INTO users (id, name) VALUES (1, '  Ann Lee  ')");

  Result<mysql::Rows> rows = conn.Exec(MariadbUserTriggersSql(split_.database, split_.table));
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  UserTriggers user;
  for (int i = 0; i < rows->size(); ++i) {
    (rows->Get(i, 0) == "INSERT" ? user.before_insert : user.before_update)
        .push_back(rows->Get(i, 1));
  }
  EXPECT_EQ(user.before_insert, std::vector<std::string>{"users_trim_insert"});
  EXPECT_EQ(user.before_update, (std::vector<std::string>{"users_trim", "users_audit"}));
  split_.Install(conn, user);
  // Installing again (a step that runs twice) replaces, in the same place.
  split_.Install(conn, user);

  EXPECT_EQ(One(conn,
                "SELECT GROUP_CONCAT(TRIGGER_NAME ORDER BY ACTION_ORDER) FROM "
                "information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = DATABASE() AND "
                "EVENT_MANIPULATION = 'UPDATE'"),
            "users_trim,users_audit,_zs_users_dual_write_update");
  // zeroshift's trigger is not listed as the user's.
  rows = conn.Exec(MariadbUserTriggersSql(split_.database, split_.table));
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 3);

  // `up` reads the trimmed name: the user's trigger ran first.
  RunOk(conn, "UPDATE users SET name = '  Bea Cole  ' WHERE id = 1");
  EXPECT_EQ(split_.Row(conn, 1), "Bea Cole|Bea|Cole|1");
  RunOk(conn, "INSERT INTO users (id, name) VALUES (2, '  Cy Doe ')");
  EXPECT_EQ(split_.Row(conn, 2), "Cy Doe|Cy|Doe|1");
  EXPECT_EQ(One(conn, "SELECT COUNT(*) FROM audit"), "1");

  // Dropping ours leaves the user's triggers and table.
  for (const auto& sql : MariadbDualWrite().DropSql(split_.database, split_.table)) {
    RunOk(conn, sql);
  }
  EXPECT_EQ(One(conn,
                "SELECT GROUP_CONCAT(TRIGGER_NAME ORDER BY EVENT_MANIPULATION, ACTION_ORDER) FROM "
                "information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = DATABASE()"),
            "users_trim_insert,users_trim,users_audit");
  RunOk(conn, "UPDATE users SET name = ' Dee Eve ' WHERE id = 1");
  EXPECT_EQ(One(conn, "SELECT name FROM users WHERE id = 1"), "Dee Eve");
  EXPECT_EQ(One(conn, "SELECT COUNT(*) FROM audit"), "2");
}

TEST_F(MariadbDualWriteTest, TriggersKeepThePinnedSqlModeWhateverTheSessionHas) {
  mysql::Connection conn = OpenOrDie(url_);
  EXPECT_EQ(One(conn, "SELECT @@SESSION.sql_mode"), kMariadbTriggerSqlMode);
  split_.CreateTable(conn);
  RunOk(conn, "SET SESSION sql_mode = 'ANSI_QUOTES,PIPES_AS_CONCAT,NO_BACKSLASH_ESCAPES'");
  split_.Install(conn);
  Result<mysql::Rows> modes = conn.Exec(
      "SELECT DISTINCT SQL_MODE FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = "
      "DATABASE()");
  ASSERT_TRUE(modes.ok()) << modes.status().ToString();
  ASSERT_EQ(modes->size(), 1);
  EXPECT_EQ(modes->Get(0, 0), kMariadbTriggerSqlMode);
  EXPECT_EQ(One(conn, "SELECT @@SESSION.sql_mode"),
            "PIPES_AS_CONCAT,ANSI_QUOTES,NO_BACKSLASH_ESCAPES");
}

TEST_F(MariadbDualWriteTest, NamesThatNeedQuotingWorkEndToEnd) {
  mysql::Connection conn = OpenOrDie(url_);
  Split odd;
  odd.database = split_.database + "_we`ird db";
  odd.table = "my `users`";
  odd.version = odd.database + "_v'2";
  odd.id = "key";
  odd.name = "full name";
  odd.first = "first`name";
  odd.last = "select";
  RunOk(conn, "CREATE DATABASE " + QuoteIdentifier(odd.database));
  odd.CreateTable(conn);
  odd.Install(conn);
  odd.CreateVersion(conn);

  RunOk(conn, "INSERT INTO " + odd.Table() + " (`key`, `full name`) VALUES (1, 'Ann Lee')");
  EXPECT_EQ(odd.Row(conn, 1), "Ann Lee|Ann|Lee|1");
  mysql::Connection new_client = odd.NewClient(url_);
  RunOk(new_client,
        "INSERT INTO `my ``users``` (`key`, `first``name`, `select`) VALUES (2, 'Bo', "
        "'Ro')");
  EXPECT_EQ(odd.Row(conn, 2), "Bo Ro|Bo|Ro|0");
  mysql::Connection forgetful = odd.NewClient(url_, false);
  Status guarded = forgetful.Run("UPDATE `my ``users``` SET `select` = 'X' WHERE `key` = 2");
  EXPECT_EQ(mysql::ErrorNumber(guarded), 1644) << guarded.ToString();
  EXPECT_NE(
      guarded.ToString().find("SET @zeroshift_version = '" + split_.database + "_we`ird db_v\\'2'"),
      std::string::npos)
      << guarded.ToString();

  for (const auto& sql : MariadbDualWrite().DropSql(odd.database, odd.table)) RunOk(conn, sql);
  RunOk(conn, versions::MariadbVersions().DropAction(odd.version).sql);
  EXPECT_EQ(One(conn, "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = " +
                          QuoteLiteral(odd.database)),
            "0");
  EXPECT_EQ(One(conn, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
                          QuoteLiteral(odd.version)),
            "0");
  EXPECT_EQ(One(conn, "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
                          QuoteLiteral(odd.database) + " AND COLUMN_NAME = '_zs_synced'"),
            "0");
  EXPECT_EQ(One(conn, "SELECT COUNT(*) FROM " + odd.Table()), "2");
  RunOk(conn, "DROP DATABASE " + QuoteIdentifier(odd.database));
}

}  // namespace
}  // namespace zs::triggers
