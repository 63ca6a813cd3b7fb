// The two dual-write triggers of a table on PostgreSQL
// (triggers/postgres_dual_write_origin.h) against a real server: exactly one
// fires for any write. The ordinary trigger (no WHEN) for every ordinary
// session, during the backfill too; the replica-mode twin for the backfill's
// session, where it steps aside for the batch; and what a session that puts
// itself in replica mode (a superuser's) can forge. start records the twin,
// rollback and complete drop it, and a user's trigger named like it is
// refused before anything runs.
//
// Which trigger ran is counted, not guessed: with track_functions = all,
// pg_stat_get_xact_function_calls counts the calls of the shared function in
// the current transaction (2 per row if both fired). The migration's `up`
// appends pg_trigger_depth(): 1 when the trigger computed the row, 0 when the
// batch's own UPDATE did.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include <fmt/format.h>

#include "backfill/backfill.h"
#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "pg/connection.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"
#include "triggers/postgres_dual_write_step_aside.h"

namespace zs::engine {
namespace {

using zs::testing::MustRun;
using zs::testing::Open;

constexpr char kTwinDepthMigration[] = R"yaml(
operations:
  - add_column:
      table: users
      up: split_part(name, ' ', 1) || '/' || pg_trigger_depth()
      column: {name: first_name, type: text, nullable: true}
)yaml";

constexpr char kOrdinary[] = "~zs_public_users_dual_write_o";
constexpr char kReplicaTwin[] = "~zs_public_users_dual_write";
constexpr char kOrdinaryInsert[] = "~zs_public_users_dual_write_i";

// The calls of the table's dual-write function the session has made and not
// yet reported (needs track_functions = all). PostgreSQL 15+ keeps a
// session's counts pending across transactions until it reports them, and
// never within a transaction, so a difference inside one transaction is
// exactly that transaction's calls.
constexpr char kCalls[] =
    "SELECT coalesce(pg_catalog.pg_stat_get_xact_function_calls("
    "'zeroshift._zs_public_users_dual_write'::regproc), 0)";

class DualWriteTwin : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    admin_.emplace(Open(url_));
    MustRun(*admin_,
            "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);"
            "INSERT INTO users (id, name) SELECT i, 'First' || i || ' Last' || i "
            "FROM generate_series(1, 1000) AS i; ANALYZE users");
  }

  Engine Connect(backfill::Options backfill = {}) {
    Options options;
    backfill.batch_size = 100;  // several batches
    options.backfill = std::move(backfill);
    return test_util::MustConnectAndInit(url_, std::move(options));
  }

  std::string Value(pg::Connection& conn, const std::string& sql) {
    Result<pg::Rows> rows = conn.Exec(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    if (!rows.ok() || rows->empty() || rows->IsNull(0, 0)) return "";
    return rows->Get(0, 0);
  }
  std::string Value(const std::string& sql) { return Value(*admin_, sql); }

  // `statements` in a transaction of `conn` that is committed; returns the
  // dual-write function's calls in it.
  long long CallsIn(pg::Connection& conn, const std::string& statements) {
    MustRun(conn, "BEGIN; SET LOCAL track_functions = 'all'");
    long long before = std::stoll(Value(conn, kCalls));
    MustRun(conn, statements);
    long long after = std::stoll(Value(conn, kCalls));
    MustRun(conn, "COMMIT");
    return after - before;
  }

  std::string FirstName(int id) {
    return Value(fmt::format("SELECT first_name FROM users WHERE id = {}", id));
  }

  std::string url_;
  std::optional<pg::Connection> admin_;
};

// What start installs: the ordinary sessions' INSERT and UPDATE triggers,
// fired in origin and local mode, without WHEN here (this `up` calls
// pg_trigger_depth(), which is not known to give the same value again, so
// the UPDATE trigger has no skip: postgres_dual_write.cc,
// UpdateSkipCondition); the twin with the step-aside WHEN, in replica mode only.
TEST_F(DualWriteTwin, StartInstallsOneTriggerPerSetOfReplicationRoles) {
  Engine engine = Connect();
  ASSERT_TRUE(engine.Start(test_util::Parse(kTwinDepthMigration)).ok());
  EXPECT_EQ(
      Value("SELECT string_agg(tgname || ' ' || tgenabled::text || ' ' || (tgqual IS NOT NULL), "
            "', ' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'users'::regclass"),
      fmt::format("{} R true, {} O false, {} O false", kReplicaTwin, kOrdinaryInsert, kOrdinary));
}

// A client write during the backfill (between two batches) runs the
// function once per row, through the ordinary trigger: with it disabled,
// the same write is not dual-written, so the twin does not fire for it.
TEST_F(DualWriteTwin, ClientWriteDuringTheBackfillFiresOnlyTheOrdinaryTrigger) {
  pg::Connection client = Open(url_);
  long long calls = -1;
  backfill::Options backfill;
  backfill.on_event = [&](const backfill::Event& event) {
    if (event.kind != backfill::EventKind::kProgress || calls >= 0) return;
    calls = CallsIn(client,
                    "UPDATE users SET name = 'Amy Done' WHERE id = 1; UPDATE users SET name = "
                    "'Zed Ahead' WHERE id = 1000; INSERT INTO users (id, name) VALUES (1001, "
                    "'Ida New');");
  };
  Engine engine = Connect(std::move(backfill));
  Status started = engine.Start(test_util::Parse(kTwinDepthMigration));
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_EQ(calls, 3) << "one call per written row";
  EXPECT_EQ(FirstName(1), "Amy/1");
  EXPECT_EQ(FirstName(1000), "Zed/1");
  EXPECT_EQ(FirstName(1001), "Ida/1");
  EXPECT_EQ(Value("SELECT count(*) FROM users WHERE first_name LIKE '%/0'"), "998")
      << "every other row came from a batch, which the ordinary trigger does not see";
  // session_replication_role = local fires the ordinary trigger too.
  EXPECT_EQ(CallsIn(client,
                    "SET LOCAL session_replication_role = local; UPDATE users SET name = 'Lu "
                    "Local' WHERE id = 5;"),
            1);
  EXPECT_EQ(FirstName(5), "Lu/1");
  // Without the ordinary trigger, an ordinary write is not dual-written.
  MustRun(*admin_, fmt::format("ALTER TABLE users DISABLE TRIGGER \"{}\"", kOrdinary));
  EXPECT_EQ(CallsIn(client, "UPDATE users SET name = 'Nat None' WHERE id = 6;"), 0);
  EXPECT_EQ(FirstName(6), "First6/0");
}

// The backfill's session (replica mode, StepAsideSql in its transaction,
// as every batch runs) fires neither trigger: the ordinary one is not
// enabled in replica mode and the twin steps aside. Without the step-aside
// setting, a replica-mode write fires the twin alone (logical replication's
// apply workers keep dual-writing).
TEST_F(DualWriteTwin, TheBackfillsSessionFiresOnlyTheTwinAndItStepsAside) {
  Engine engine = Connect();
  ASSERT_TRUE(engine.Start(test_util::Parse(kTwinDepthMigration)).ok());
  EXPECT_EQ(Value("SELECT count(*) FROM users WHERE first_name LIKE '%/0'"), "1000");
  pg::Connection batch = Open(url_);
  EXPECT_EQ(
      CallsIn(batch, "SET LOCAL session_replication_role = replica; " + triggers::StepAsideSql() +
                         "; UPDATE users SET name = 'Bea Batch' WHERE id = 7;"),
      0);
  EXPECT_EQ(FirstName(7), "First7/0");
  EXPECT_EQ(CallsIn(batch,
                    "SET LOCAL session_replication_role = replica; UPDATE users SET name = 'Rex "
                    "Replica' WHERE id = 8;"),
            1);
  EXPECT_EQ(FirstName(8), "Rex/1");
  // Without the twin, replica mode is not dual-written: the ordinary trigger
  // does not fire there.
  MustRun(*admin_, fmt::format("ALTER TABLE users DISABLE TRIGGER \"{}\"", kReplicaTwin));
  EXPECT_EQ(CallsIn(batch,
                    "SET LOCAL session_replication_role = replica; UPDATE users SET name = 'Ole "
                    "Off' WHERE id = 9;"),
            0);
  EXPECT_EQ(FirstName(9), "First9/0");
}

// A session that sets session_replication_role = replica itself (superuser,
// or a role granted SET on it): with the setting left at session level it
// is dual-written through the twin; with the setting tied to its own
// transaction it can skip the dual write of its own rows, exactly as before
// the split (a role that may do this can already ALTER TABLE ... DISABLE
// TRIGGER, and replica mode silences the user's triggers and foreign keys).
// It cannot make any other session's writes skip it.
TEST_F(DualWriteTwin, ASelfMadeReplicaSessionCanSkipOnlyItsOwnWrites) {
  Engine engine = Connect();
  ASSERT_TRUE(engine.Start(test_util::Parse(kTwinDepthMigration)).ok());
  pg::Connection forger = Open(url_);
  MustRun(forger,
          "SET session_replication_role = replica; SELECT pg_catalog.set_config("
          "'zeroshift.backfill', pg_catalog.pg_current_xact_id()::text, false)");
  EXPECT_EQ(CallsIn(forger, "UPDATE users SET name = 'Sam Stale' WHERE id = 3;"), 1);
  EXPECT_EQ(FirstName(3), "Sam/1");
  EXPECT_EQ(CallsIn(forger,
                    "SELECT pg_catalog.set_config('zeroshift.backfill', "
                    "pg_catalog.pg_current_xact_id()::text, true); UPDATE users SET name = 'Pat "
                    "Root' WHERE id = 4;"),
            0);
  EXPECT_EQ(FirstName(4), "First4/0") << "the forged write is not dual-written";
  // Another session's write at the same time is dual-written all the same.
  MustRun(forger, "BEGIN");
  MustRun(forger,
          "SELECT pg_catalog.set_config('zeroshift.backfill', "
          "pg_catalog.pg_current_xact_id()::text, true)");
  MustRun(*admin_, "UPDATE users SET name = 'Cy Client' WHERE id = 5");
  MustRun(forger, "COMMIT");
  EXPECT_EQ(FirstName(5), "Cy/1");
}

class DualWriteTwinOwnership : public DualWriteTwin {
 protected:
  std::string ZeroshiftTriggers() {
    return Value(
        "SELECT coalesce(string_agg(tgname, ',' ORDER BY tgname), '') FROM pg_trigger WHERE "
        "tgname LIKE '~zs\\_%'");
  }
};

// start records the twin as its own (SAFETY.md invariant 3); rollback and
// complete drop both triggers and their function.
TEST_F(DualWriteTwinOwnership, StartRecordsTheTwinRollbackAndCompleteDropIt) {
  Engine engine = Connect();
  ASSERT_TRUE(engine.Start(test_util::Parse(kTwinDepthMigration, "first.yaml")).ok());
  EXPECT_EQ(Value("SELECT string_agg(name, ',' ORDER BY name) FROM zeroshift.created_objects "
                  "WHERE kind = 'trigger' AND object_oid = (SELECT oid FROM pg_trigger WHERE "
                  "tgname = '~zs_public_users_dual_write_o')"),
            kOrdinary);
  EXPECT_EQ(ZeroshiftTriggers(), fmt::format("{},{},{}", kReplicaTwin, kOrdinaryInsert, kOrdinary));
  ASSERT_TRUE(engine.Rollback().ok());
  EXPECT_EQ(ZeroshiftTriggers(), "");
  ASSERT_TRUE(engine.Start(test_util::Parse(kTwinDepthMigration, "second.yaml")).ok());
  EXPECT_EQ(ZeroshiftTriggers(), fmt::format("{},{},{}", kReplicaTwin, kOrdinaryInsert, kOrdinary));
  ASSERT_TRUE(engine.Complete().ok());
  EXPECT_EQ(ZeroshiftTriggers(), "");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_proc WHERE proname = '_zs_public_users_dual_write'"),
            "0");
}

// A user's trigger that happens to have the twin's name: refused before
// anything runs (validate says so too), the user's trigger left as it was.
TEST_F(DualWriteTwinOwnership, AUsersTriggerNamedLikeTheTwinIsRefused) {
  MustRun(*admin_,
          "CREATE FUNCTION public.mine() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN "
          "NEW; END$$; CREATE TRIGGER \"~zs_public_users_dual_write_o\" BEFORE UPDATE ON users "
          "FOR EACH ROW EXECUTE FUNCTION public.mine()");
  Engine engine = Connect();
  migration::Migration m = test_util::Parse(kTwinDepthMigration);
  Result<Plan> validated = engine.ValidateMigration(m);
  ASSERT_FALSE(validated.ok()) << "validate passed";
  EXPECT_NE(validated.status().message().find(kOrdinary), std::string::npos)
      << validated.status().message();
  Status started = engine.Start(m);
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.message().find(kOrdinary), std::string::npos) << started.message();
  EXPECT_EQ(Value("SELECT count(*) FROM zeroshift.migrations"), "0");
  EXPECT_EQ(ZeroshiftTriggers(), kOrdinary);
  EXPECT_EQ(Value("SELECT tgfoid::regproc::text FROM pg_trigger WHERE tgname = "
                  "'~zs_public_users_dual_write_o'"),
            "mine");
}

}  // namespace
}  // namespace zs::engine
