// The PostgreSQL backfill's fast path (postgres_step_aside.h) against a real
// server, through the engine: the batches compute `up` themselves while the
// dual-write trigger steps aside for them, client writes (during the
// backfill too) still run the trigger, a client cannot make it step aside
// unless it may set session_replication_role, and where the batch cannot
// compute `up` as the trigger would, the trigger still does.
//
// Which of the two computed a row is visible in the row: the migrations'
// `up` appends pg_trigger_depth(), which is 1 inside the trigger and 0 in
// the batch's own UPDATE.
#include "backfill/postgres_step_aside.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "backfill/backfill.h"
#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "pg/connection.h"
#include "pg/quote.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::backfill {
namespace {

using zs::testing::MustRun;
using zs::testing::Open;

// first_name = the first word of name, then "/" and the trigger depth.
constexpr char kDepthMigration[] = R"yaml(
operations:
  - add_column:
      table: users
      up: split_part(name, ' ', 1) || '/' || pg_trigger_depth()
      column: {name: first_name, type: text, nullable: true}
)yaml";

std::string Value(pg::Connection& conn, const std::string& sql) {
  Result<pg::Rows> rows = conn.Exec(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  if (!rows.ok() || rows->empty() || rows->IsNull(0, 0)) return "";
  return rows->Get(0, 0);
}

class BackfillStepAside : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    admin_.emplace(Open(url_));
  }

  // users(id, name) with `rows` rows "First<i> Last<i>"; `key` false: no
  // primary key (the ctid walk).
  void CreateUsers(int rows, bool key = true) {
    MustRun(*admin_, fmt::format("CREATE TABLE users ({}name text NOT NULL)",
                                 key ? "id bigserial PRIMARY KEY, " : "id bigint, "));
    MustRun(*admin_, fmt::format("INSERT INTO users (id, name) SELECT i, 'First' || i || ' Last' "
                                 "|| i FROM generate_series(1, {}) AS i; ANALYZE users",
                                 rows));
  }

  Status Start(const std::string& yaml, Options backfill = {}) {
    engine::Options options;
    backfill.batch_size = 100;  // fixed mode: several batches
    options.backfill = std::move(backfill);
    engine::Engine engine = engine::test_util::MustConnectAndInit(url_, std::move(options));
    return engine.Start(engine::test_util::Parse(yaml));
  }

  // Rows whose first_name is the first word of name computed at `depth`.
  long long RowsAtDepth(int depth) {
    return std::stoll(Value(*admin_, fmt::format("SELECT count(*) FROM users WHERE first_name = "
                                                 "split_part(name, ' ', 1) || '/{}'",
                                                 depth)));
  }

  std::string FirstName(int id) {
    return Value(*admin_, fmt::format("SELECT first_name FROM users WHERE id = {}", id));
  }

  std::string url_;
  std::optional<pg::Connection> admin_;
};

TEST_F(BackfillStepAside, BatchesComputeUpAndClientWritesDuringTheBackfillRunTheTrigger) {
  CreateUsers(1000);
  pg::Connection client = Open(url_);
  bool wrote = false;
  Options backfill;
  // After the first batch has committed, before the second: a client updates
  // a row the backfill has done, one it has not reached, and inserts one.
  backfill.on_event = [&](const Event& event) {
    if (event.kind != EventKind::kProgress || wrote) return;
    wrote = true;
    MustRun(client,
            "UPDATE users SET name = 'Amy Done' WHERE id = 1; UPDATE users SET name = 'Zed Ahead' "
            "WHERE id = 1000; INSERT INTO users (id, name) VALUES (1001, 'Ida New')");
  };
  Status status = Start(kDepthMigration, std::move(backfill));
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_TRUE(wrote);
  EXPECT_EQ(RowsAtDepth(0), 998) << "every row but the client's two came from a batch";
  EXPECT_EQ(FirstName(1), "Amy/1");
  EXPECT_EQ(FirstName(1000), "Zed/1") << "the batches skipped the row the client wrote";
  EXPECT_EQ(FirstName(1001), "Ida/1");
  EXPECT_EQ(Value(*admin_, "SELECT count(*) FROM users WHERE _zs_synced IS NOT TRUE"), "0");
  // After the backfill, a client write still runs the trigger.
  MustRun(*admin_, "UPDATE users SET name = 'Bo Later' WHERE id = 2");
  EXPECT_EQ(FirstName(2), "Bo/1");
}

TEST_F(BackfillStepAside, TheCtidWalkComputesUpToo) {
  CreateUsers(500, /*key=*/false);
  Status status = Start(kDepthMigration);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(RowsAtDepth(0), 500);
}

TEST_F(BackfillStepAside, OnlyARoleThatMaySetReplicaModeCanMakeTheTriggerStepAside) {
  CreateUsers(10);
  ASSERT_TRUE(Start(kDepthMigration).ok());
  std::string role = "app_" + Value(*admin_, "SELECT current_database()");
  MustRun(*admin_, fmt::format("CREATE ROLE {0} LOGIN; GRANT SELECT, UPDATE ON users TO {0}",
                               pg::QuoteIdent(role)));
  std::string url = url_;
  url.replace(url.find("postgres@"), 9, role + "@");
  pg::Connection app = Open(url);
  // The setting alone, even with the right transaction id: the trigger fires.
  MustRun(app,
          "BEGIN; SELECT pg_catalog.set_config('zeroshift.backfill', "
          "pg_catalog.pg_current_xact_id()::text, true); UPDATE users SET name = 'Eve Forged' "
          "WHERE id = 2; COMMIT");
  EXPECT_EQ(FirstName(2), "Eve/1");
  // Replica mode is refused to an ordinary role.
  MustRun(app, "BEGIN");
  EXPECT_FALSE(app.Run("SET LOCAL session_replication_role = replica").ok());
  MustRun(app, "ROLLBACK");
  // A privileged session in replica mode with a setting not of its
  // transaction (left at session level from another one): the trigger fires.
  pg::Connection privileged = Open(url_);
  MustRun(privileged,
          "SET session_replication_role = replica; SELECT pg_catalog.set_config("
          "'zeroshift.backfill', pg_catalog.pg_current_xact_id()::text, false)");
  MustRun(privileged, "UPDATE users SET name = 'Sam Stale' WHERE id = 3");
  EXPECT_EQ(FirstName(3), "Sam/1");
  // What the header says a privileged role can do: both, in its transaction,
  // and its write is not dual-written (first_name keeps the backfill's value).
  MustRun(privileged,
          "BEGIN; SELECT pg_catalog.set_config('zeroshift.backfill', "
          "pg_catalog.pg_current_xact_id()::text, true); UPDATE users SET name = 'Pat Root' "
          "WHERE id = 4; COMMIT");
  EXPECT_EQ(FirstName(4), "First4/0");
}

TEST_F(BackfillStepAside, TheTriggerComputesUpWhenTheUsersTriggersAreToFire) {
  CreateUsers(300);
  MustRun(*admin_,
          "CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$; "
          "CREATE TRIGGER audit BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION keep()");
  Options backfill;
  backfill.fire_user_triggers = true;
  Status status = Start(kDepthMigration, std::move(backfill));
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(RowsAtDepth(1), 300);
}

TEST_F(BackfillStepAside, TheTriggerComputesAnUpThatReadsAnEarlierOnesColumn) {
  CreateUsers(300);
  // initials reads first_name, which the first `up` assigns: in the trigger
  // it sees the new value, in one UPDATE it would see NULL.
  Status status = Start(R"yaml(
operations:
  - add_column:
      table: users
      up: split_part(name, ' ', 1)
      column: {name: first_name, type: text, nullable: true}
  - add_column:
      table: users
      up: left(first_name, 1) || pg_trigger_depth()
      column: {name: initial, type: text, nullable: true}
)yaml");
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(Value(*admin_, "SELECT count(*) FROM users WHERE initial = 'F1'"), "300");
}

triggers::TriggerSpec Spec(const std::string& target, const std::string& expression,
                           std::vector<std::pair<std::string, std::string>> variables) {
  return {.name = "s",
          .schema = "public",
          .table = "users",
          .direction = triggers::Direction::kUp,
          .version_schema = "v",
          .variables = std::move(variables),
          .target_column = target,
          .expression = expression};
}

TEST(BackfillStepAsideSql, OneSubSelectBindsEachVariableToItsColumn) {
  Result<std::string> one =
      UpSetItem({Spec("first", "(split_part(name, ' ', 1))", {{"name", "_zs_new_name"}})}, "zs_t");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(*one,
            "\"first\" = (SELECT (split_part(name, ' ', 1)) FROM (SELECT "
            "zs_t.\"_zs_new_name\" AS \"name\") AS zs_row)");
  Result<std::string> two = UpSetItem(
      {Spec("a", "(x)", {{"x", "x"}}), Spec("b", "(x || y)", {{"x", "x"}, {"y", "y"}})}, "r");
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(*two,
            "(\"a\", \"b\") = (SELECT (x), (x || y) FROM (SELECT r.\"x\" AS \"x\", r.\"y\" AS "
            "\"y\") AS zs_row)");
}

TEST(BackfillStepAsideSql, DirectFormWhenEveryVariableIsNamedAsItsColumn) {
  Result<std::string> one =
      DirectUpSetItem({Spec("first", "(split_part(name, ' ', 1))", {{"name", "name"}})}, "zs_row");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(*one, "\"first\" = (split_part(name, ' ', 1))");
  Result<std::string> two = DirectUpSetItem(
      {Spec("a", "(x)", {{"x", "x"}}), Spec("b", "(x || y)", {{"x", "x"}, {"y", "y"}})}, "zs_row");
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(*two, "(\"a\", \"b\") = ((x), (x || y))");
  // A variable naming another column (a renamed one): the sub-SELECT binds it.
  Result<std::string> renamed = DirectUpSetItem(
      {Spec("first", "(split_part(name, ' ', 1))", {{"name", "_zs_new_name"}})}, "zs_row");
  ASSERT_TRUE(renamed.ok()) << renamed.status().ToString();
  EXPECT_EQ(*renamed,
            "\"first\" = (SELECT (split_part(name, ' ', 1)) FROM (SELECT "
            "zs_row.\"_zs_new_name\" AS \"name\") AS zs_row)");
  // What UpSetItem refuses, the direct form refuses too.
  EXPECT_FALSE(
      DirectUpSetItem({Spec("a", "(x)", {{"x", "x"}}), Spec("b", "(a)", {{"a", "a"}})}, "zs_row")
          .ok());
}

TEST(BackfillStepAsideSql, RefusesWhatOneStatementCannotComputeAsTheTriggerDoes) {
  EXPECT_FALSE(UpSetItem({}, "t").ok());
  // A later expression reads an earlier one's target.
  EXPECT_FALSE(
      UpSetItem({Spec("a", "(x)", {{"x", "x"}}), Spec("b", "(a)", {{"a", "a"}})}, "t").ok());
  // One name for two columns.
  EXPECT_FALSE(
      UpSetItem({Spec("a", "(x)", {{"x", "x"}}), Spec("b", "(x)", {{"x", "y"}})}, "t").ok());
  // Two expressions for one column.
  EXPECT_FALSE(
      UpSetItem({Spec("a", "(x)", {{"x", "x"}}), Spec("a", "(y)", {{"y", "y"}})}, "t").ok());
  // Reading a later expression's target reads the old value in both.
  EXPECT_TRUE(
      UpSetItem({Spec("a", "(b)", {{"b", "b"}}), Spec("b", "(x)", {{"x", "x"}})}, "t").ok());
}

}  // namespace
}  // namespace zs::backfill
