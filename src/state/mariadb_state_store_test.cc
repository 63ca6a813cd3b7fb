// What is MariaDB's own in the state store (mariadb_state_store.h): the
// statements of a *Sql text, the factory's choice, InnoDB tables in utf8mb4
// compared byte for byte, UTC timestamps with microseconds, and the generated
// column behind the one-active rule. The contract both backends keep is
// tested in state_store_test.cc.
#include "state/mariadb_state_store.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <memory>
#include <regex>
#include <string>

#include "backend/mariadb_backend.h"
#include "testing/shared_mariadb.h"

namespace zs::state {
namespace {

schema::Schema OneTable(const std::string& name) {
  schema::Schema out;
  out.tables.push_back({.name = name, .physical_name = name});
  return out;
}

TEST(MariadbStateStoreSql, StatementsSplitAtLineEndsNeverInsideALiteral) {
  std::vector<std::string> statements =
      MariadbStatements("UPDATE a SET x = 'one;\\ntwo';\nDELETE FROM b;\n\nDELETE FROM c;");
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_EQ(statements[0], "UPDATE a SET x = 'one;\\ntwo'");
  EXPECT_EQ(statements[1], "DELETE FROM b");
  EXPECT_EQ(statements[2], "DELETE FROM c");
  // A newline in a value is escaped by the quoting, so a value cannot split.
  EXPECT_EQ(mysql::QuoteLiteral("a;\nb").find('\n'), std::string::npos);
}

class MariadbStateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshMariadbDatabaseUrl();
    database_ = url_.substr(url_.rfind('/') + 1);
    session_ = Connect();
    store_ = std::make_unique<MariadbStateStore>(*session_, database_);
    Status init = store_->Init();
    ASSERT_TRUE(init.ok()) << init.ToString();
  }

  std::unique_ptr<backend::Session> Connect() {
    auto backend = backend::MariadbBackendForUrl(url_);
    EXPECT_TRUE(backend.ok());
    auto session = (*backend)->Connect(url_);
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    if (!session.ok()) std::abort();
    return std::move(session).value();
  }

  mysql::Connection& conn() { return backend::MariadbConnection(*session_); }

  std::string Value(const std::string& sql) {
    auto rows = conn().Exec(sql);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() && !rows->empty() ? rows->Get(0, 0) : std::string("<none>");
  }

  MigrationRecord Active(const std::string& schema, const std::string& name) const {
    return {.schema = schema,
            .name = name,
            .migration_json = R"({"operations":[]})",
            .version_schema = schema + "_" + name,
            .snapshots = {OneTable("users")}};
  }

  std::string url_;
  std::string database_;
  std::unique_ptr<backend::Session> session_;
  std::unique_ptr<MariadbStateStore> store_;
};

TEST_F(MariadbStateStoreTest, OpenStateStoreOnAMariadbSessionUsesTheZeroshiftDatabase) {
  std::unique_ptr<StateStore> store = OpenStateStore(*session_);
  auto* mariadb = dynamic_cast<MariadbStateStore*>(store.get());
  ASSERT_NE(mariadb, nullptr);
  EXPECT_EQ(mariadb->database(), "zeroshift");
}

TEST_F(MariadbStateStoreTest, TablesAreInnodbInUtf8mb4ComparedByteForByte) {
  EXPECT_EQ(Value(fmt::format("SELECT GROUP_CONCAT(CONCAT(TABLE_NAME, ':', ENGINE, ':', "
                              "TABLE_COLLATION) ORDER BY TABLE_NAME) FROM "
                              "information_schema.TABLES WHERE TABLE_SCHEMA = {}",
                              mysql::QuoteLiteral(database_))),
            "backfill_control:InnoDB:utf8mb4_nopad_bin,backfill_cursors:InnoDB:utf8mb4_nopad_bin,"
            "created_objects:InnoDB:utf8mb4_nopad_bin,migrations:InnoDB:utf8mb4_nopad_bin");
  // Schemas that differ in case or by a trailing space are different schemas,
  // as in PostgreSQL's text: each may have its active migration.
  for (const char* schema : {"app", "App", "app "}) {
    Status inserted = store_->Insert(Active(schema, "01_x"));
    EXPECT_TRUE(inserted.ok()) << schema << ": " << inserted.ToString();
  }
  auto active = store_->ActiveRow("App");
  ASSERT_TRUE(active.ok() && active->has_value());
  EXPECT_EQ((*active)->schema, "App");
}

TEST_F(MariadbStateStoreTest, SecondActiveMigrationIsADuplicateOfTheGeneratedColumn) {
  ASSERT_TRUE(store_->Insert(Active("app", "01_x")).ok());
  Status second = store_->Insert(Active("app", "02_y"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(mysql::ErrorNumber(second), mysql::errors::kDuplicateEntry) << second.ToString();
  EXPECT_NE(second.message().find("migrations_one_active"), std::string::npos) << second.ToString();
  // The generated column is the schema while active, NULL once done.
  EXPECT_EQ(Value(fmt::format("SELECT COALESCE(active_schema, 'NULL') FROM {}.migrations",
                              mysql::QuoteIdentifier(database_))),
            "app");
  for (const std::string& statement :
       MariadbStatements(store_->MarkDoneSql("app", "01_x", OneTable("users")))) {
    ASSERT_TRUE(conn().Run(statement).ok());
  }
  EXPECT_EQ(Value(fmt::format("SELECT COALESCE(active_schema, 'NULL') FROM {}.migrations",
                              mysql::QuoteIdentifier(database_))),
            "NULL");
}

TEST_F(MariadbStateStoreTest, TimestampsAreTheServersUtcWithMicroseconds) {
  // Whatever the session's time zone: the store reads the UTC clock.
  ASSERT_TRUE(conn().Run("SET time_zone = '+05:00'").ok());
  ASSERT_TRUE(store_->Insert(Active("app", "01_x")).ok());
  ASSERT_TRUE(store_->SaveCursor("app", "01_x", {.table = "users"}, /*new_run=*/true).ok());
  auto row = store_->ActiveRow("app");
  ASSERT_TRUE(row.ok() && row->has_value());
  const std::regex utc_micro(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00)");
  EXPECT_TRUE(std::regex_match((*row)->created_at, utc_micro)) << (*row)->created_at;
  auto cursors = store_->Cursors("app", "01_x");
  ASSERT_TRUE(cursors.ok() && cursors->size() == 1u);
  EXPECT_TRUE(std::regex_match((*cursors)[0].run_started_at, utc_micro));
  EXPECT_EQ(Value(fmt::format("SELECT ABS(TIMESTAMPDIFF(SECOND, created_at, UTC_TIMESTAMP())) "
                              "< 60 FROM {}.migrations",
                              mysql::QuoteIdentifier(database_))),
            "1");
}

TEST_F(MariadbStateStoreTest, NamesWithQuotesAndBackticksRoundTrip) {
  const std::string schema = "we`ird'\"\\";
  ASSERT_TRUE(store_->Insert(Active(schema, "01_it's")).ok());
  ASSERT_TRUE(store_->SetStep(schema, "01_it's", Step::kActive).ok());
  auto row = store_->ActiveRow(schema);
  ASSERT_TRUE(row.ok() && row->has_value()) << row.status().ToString();
  EXPECT_EQ((*row)->schema, schema);
  EXPECT_EQ((*row)->name, "01_it's");
  EXPECT_EQ((*row)->step, "active");
}

TEST_F(MariadbStateStoreTest, JsonIsCheckedByTheServer) {
  Status refused = conn().Run(fmt::format(
      "INSERT INTO {}.migrations (`schema`, name, migration, version_schema) VALUES ('app', "
      "'01_x', '{{broken', 'app_01_x')",
      mysql::QuoteIdentifier(database_)));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("migration"), std::string::npos) << refused.ToString();
}

TEST_F(MariadbStateStoreTest, UpgradeIsANoOpAndInitKeepsTheRows) {
  ASSERT_TRUE(store_->Insert(Active("app", "01_x")).ok());
  ASSERT_TRUE(store_->Upgrade().ok());
  ASSERT_TRUE(store_->Init().ok());
  auto history = store_->HistoryRows("app");
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), 1u);
}

// A cursor's name is `<table>.<touch column>`, and a range's adds ` range
// i/N`: with names of MariaDB's longest (64) it is 141 characters, more than
// a table name's 64 (a strict session refused it, error 1406).
std::string LongestCursorName() {
  return std::string(64, 't') + "." + std::string(64, 'c') + " range 16/16";
}

TEST_F(MariadbStateStoreTest, TheLongestCursorNameRoundTrips) {
  ASSERT_TRUE(store_->Insert(Active("app", "01_x")).ok());
  Status saved = store_->SaveCursor("app", "01_x", {.table = LongestCursorName()}, true);
  ASSERT_TRUE(saved.ok()) << saved.ToString();
  auto cursors = store_->Cursors("app", "01_x");
  ASSERT_TRUE(cursors.ok()) << cursors.status().ToString();
  ASSERT_EQ(cursors->size(), 1u);
  EXPECT_EQ((*cursors)[0].table, LongestCursorName());
}

TEST_F(MariadbStateStoreTest, UpgradeWidensTheCursorNameOfAnOlderState) {
  // The state as zeroshift created it before: a cursor name of 64.
  ASSERT_TRUE(conn()
                  .Run(fmt::format("ALTER TABLE {}.backfill_cursors MODIFY COLUMN table_name "
                                   "VARCHAR(64) NOT NULL",
                                   mysql::QuoteIdentifier(database_)))
                  .ok());
  ASSERT_TRUE(store_->Insert(Active("app", "01_x")).ok());
  ASSERT_TRUE(store_->SaveCursor("app", "01_x", {.table = "users.first_name"}, true).ok());
  Status upgraded = store_->Upgrade();
  ASSERT_TRUE(upgraded.ok()) << upgraded.ToString();
  EXPECT_EQ(Value(fmt::format("SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS "
                              "WHERE TABLE_SCHEMA = {} AND TABLE_NAME = 'backfill_cursors' AND "
                              "COLUMN_NAME = 'table_name'",
                              mysql::QuoteLiteral(database_))),
            std::to_string(kMariadbCursorNameLength));
  Status saved = store_->SaveCursor("app", "01_x", {.table = LongestCursorName()}, true);
  ASSERT_TRUE(saved.ok()) << saved.ToString();
  auto cursors = store_->Cursors("app", "01_x");
  ASSERT_TRUE(cursors.ok());
  EXPECT_EQ(cursors->size(), 2u);  // the older cursor kept
}

TEST_F(MariadbStateStoreTest, AFreshStateHasTheCursorNameLength) {
  EXPECT_EQ(Value(fmt::format("SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS "
                              "WHERE TABLE_SCHEMA = {} AND TABLE_NAME = 'backfill_cursors' AND "
                              "COLUMN_NAME = 'table_name'",
                              mysql::QuoteLiteral(database_))),
            std::to_string(kMariadbCursorNameLength));
}

}  // namespace
}  // namespace zs::state
