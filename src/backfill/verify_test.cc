// `zeroshift verify` against real PostgreSQL: clean after a real start of the
// seed's split-name migration, then finding exactly the rows planted behind
// the triggers' back (up and down direction), on keyset and ctid walks, and
// the CLI's exit codes and JSON.
#include "backfill/verify.h"
#include "testing/test_support.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "engine/engine.h"
#include "migration/parser.h"
#include "pg/connection.h"
#include "pg/quote.h"
#include "testing/seed_migration.h"
#include "testing/shared_cluster.h"
#include "triggers/dual_write.h"
#include "triggers/postgres_dual_write_origin.h"

namespace zs::backfill {
namespace {

using zs::testing::ProcessRun;
using zs::testing::RunBinary;

namespace fs = std::filesystem;

constexpr int kRows = 3000;

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    Result<pg::Connection> conn = pg::Connection::Open(url_);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    admin_ = std::make_unique<pg::Connection>(std::move(conn).value());
  }

  void Run(const std::string& sql) {
    Status status = admin_->Run(sql);
    ASSERT_TRUE(status.ok()) << sql << "\n" << status.ToString();
  }

  // A write the dual-write triggers do not see (as a bug or a manual fix would).
  // zeroshift's triggers fire in every session_replication_role (one ENABLE
  // REPLICA, one for the other roles), so they are disabled around the write.
  void RunBehindTriggers(const std::string& sql) {
    std::string trigger = pg::QuoteIdent(triggers::TableTriggerName("public", "users"));
    std::string origin = pg::QuoteIdent(triggers::OriginTriggerName("public", "users"));
    Run("ALTER TABLE users DISABLE TRIGGER " + trigger + ", DISABLE TRIGGER " + origin);
    Run(sql);
    Run("ALTER TABLE users ENABLE REPLICA TRIGGER " + trigger + ", ENABLE TRIGGER " + origin);
  }

  // users(id, name) with kRows rows "First<i> Last<i>", then a real start of
  // the split-name migration (expand, triggers, backfill).
  void StartSplitName() {
    Run("CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL)");
    Run(
        fmt::format("INSERT INTO users (name) SELECT 'First' || i || ' Last' || i FROM "
                    "generate_series(1, {}) i",
                    kRows));
    engine_ = Connect();
    Result<migration::Migration> migration =
        migration::ParseMigration(zs::testing::kSplitNameYaml, "02_split_name.yaml");
    ASSERT_TRUE(migration.ok()) << migration.status().ToString();
    Status started = engine_->Start(*migration);
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  std::unique_ptr<engine::Engine> Connect() {
    Result<engine::Engine> engine = engine::Engine::Connect(url_, engine::Options{});
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    if (!engine.ok()) return nullptr;
    auto owned = std::make_unique<engine::Engine>(std::move(engine).value());
    Status init = owned->Init();
    EXPECT_TRUE(init.ok()) << init.ToString();
    return owned;
  }

  VerifyReport Verify(VerifyOptions options = {}) {
    if (options.batch_rows == VerifyOptions{}.batch_rows) options.batch_rows = 700;
    Result<VerifyReport> report = engine_->Verify("", options);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? std::move(report).value() : VerifyReport{};
  }

  static const CheckResult* Check(const VerifyReport& report, const std::string& column) {
    for (const auto& table : report.tables) {
      for (const auto& check : table.checks) {
        if (check.column == column) return &check;
      }
    }
    return nullptr;
  }

  std::string url_;
  std::unique_ptr<pg::Connection> admin_;
  std::unique_ptr<engine::Engine> engine_;
};

TEST_F(VerifyTest, CleanAfterStartThenFindsExactlyThePlantedUpMismatch) {
  StartSplitName();
  VerifyReport clean = Verify();
  EXPECT_EQ(clean.migration, "02_split_name");
  EXPECT_EQ(clean.step, state::Step::kActive);
  ASSERT_EQ(clean.tables.size(), 1u);
  EXPECT_EQ(clean.tables[0].walk, "keyset on primary key (id)");
  EXPECT_EQ(clean.tables[0].rows_checked, kRows);
  // first_name up, last_name up, name down.
  ASSERT_EQ(clean.tables[0].checks.size(), 3u);
  EXPECT_EQ(clean.mismatches(), 0);

  RunBehindTriggers("UPDATE users SET first_name = 'Wrong' WHERE id = 1234");
  VerifyReport planted = Verify();
  // first_name differs from `up` of name. `down` never ran for the row (the
  // backfill marked it as `up`'s), so name is not checked against it.
  EXPECT_EQ(planted.mismatches(), 1) << planted.ToText();
  const CheckResult* first = Check(planted, "first_name");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->direction, triggers::Direction::kUp);
  EXPECT_EQ(first->mismatches, 1);
  ASSERT_EQ(first->keys.size(), 1u);
  EXPECT_EQ(first->keys[0], std::vector<std::string>{"1234"});
  EXPECT_EQ(Check(planted, "last_name")->mismatches, 0);
  EXPECT_TRUE(Check(planted, "name")->keys.empty());
  EXPECT_EQ(Check(planted, "name")->skipped, kRows);
  EXPECT_NE(planted.ToText().find("id=1234"), std::string::npos) << planted.ToText();

  // A write through the triggers that changes a column they read or assign
  // repairs it; one that changes none of them is skipped (the UPDATE
  // trigger's WHEN, triggers/postgres_dual_write.cc) and leaves it.
  Run("UPDATE users SET name = name WHERE id = 1234");
  EXPECT_EQ(Verify().mismatches(), 1);
  Run("UPDATE users SET first_name = NULL WHERE id = 1234");
  EXPECT_EQ(Verify().mismatches(), 0);
}

// Issue 20: `up` and `down` of split-name are not inverses ("Mary Ann
// Smith" splits into Mary / Ann, which joins back to "Mary Ann"). A write by
// an old client leaves a row that fails `down`, one by a new client a row
// that fails `up`: neither is a mismatch, and verify once blamed "a write
// bypassing the triggers" for them. A row failing both is what it can prove.
TEST_F(VerifyTest, RowsThatUpAndDownDoNotInvertAreNotBlamedOnABypass) {
  StartSplitName();
  Run("UPDATE users SET name = 'Mary Ann Smith' WHERE id = 7");  // an old client
  Run("SET search_path TO public_02_split_name");                // a new client
  Run("UPDATE users SET first_name = 'Jo Ann', last_name = 'Lee' WHERE id = 8");
  Run("RESET search_path");
  ASSERT_EQ(admin_->Exec("SELECT name FROM users WHERE id = 8")->Get(0, 0), "Jo Ann Lee");
  VerifyReport report = Verify();
  EXPECT_EQ(report.mismatches(), 0) << report.ToText();
  const CheckResult* down = Check(report, "name");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->direction, triggers::Direction::kDown);
  // Each row is checked against the direction that ran for it (the marker).
  EXPECT_EQ(down->skipped, kRows - 1) << "every row but 8, the new client's";
  EXPECT_TRUE(down->provable);
  EXPECT_EQ(Check(report, "first_name")->skipped, 1) << "row 8, as the new client's left it";
  EXPECT_EQ(Check(report, "last_name")->skipped, 1);
  EXPECT_NE(report.ToText().find("1 row skipped: written through the new version"),
            std::string::npos)
      << report.ToText();

  // Behind the triggers' back, but as `up` leaves it: nothing to blame.
  RunBehindTriggers("UPDATE users SET name = 'First9 Last9 Extra' WHERE id = 9");
  EXPECT_EQ(Verify().mismatches(), 0);

  // Issue 18: without the down checks (as for a column with `up` and no
  // `down`), the new client's correct write is skipped, not counted.
  VerifyOptions up_only;
  up_only.check_down = false;
  VerifyReport skipped = Verify(up_only);
  ASSERT_EQ(skipped.tables.size(), 1u);
  EXPECT_EQ(skipped.tables[0].checks.size(), 2u);
  EXPECT_EQ(Check(skipped, "name"), nullptr);
  EXPECT_EQ(skipped.mismatches(), 0) << skipped.ToText();
  EXPECT_EQ(Check(skipped, "first_name")->skipped, 1);
  EXPECT_TRUE(Check(skipped, "first_name")->provable);
}

// Issue 18: a column with `up` and no `down`: new-version writes set it
// themselves and `up` does not run for them, so verify skips those rows and
// says why; a bypassing write is still found. The report names the trigger
// that exists, and checks the expression as the trigger evaluates it
// (resolved: its columns read as zs_row.<column>).
TEST_F(VerifyTest, UpWithoutDownSkipsNewVersionWritesAndSaysWhy) {
  Run("CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL)");
  Run("INSERT INTO users (email) SELECT 'User' || i || '@Example.com' FROM generate_series(1, 500) "
      "i");
  engine_ = Connect();
  Result<migration::Migration> migration = migration::ParseMigration(R"yaml(operations:
  - add_column:
      table: users
      up: lower(email)
      column: {name: email_lower, type: text, nullable: true}
)yaml",
                                                                     "03_email.yaml");
  ASSERT_TRUE(migration.ok()) << migration.status().ToString();
  Status started = engine_->Start(*migration);
  ASSERT_TRUE(started.ok()) << started.ToString();
  Run("SET search_path TO public_03_email, public");
  Run("UPDATE users SET email_lower = 'custom' WHERE id IN (3, 4)");
  Run("INSERT INTO users (email, email_lower) VALUES ('New@x', 'chosen by v2')");
  Run("RESET search_path");

  VerifyReport report = Verify();
  EXPECT_EQ(report.mismatches(), 0) << report.ToText();
  ASSERT_EQ(report.tables.size(), 1u);
  EXPECT_EQ(report.tables[0].rows_checked, 501);
  const CheckResult* check = Check(report, "email_lower");
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->skipped, 3);
  EXPECT_NE(check->expression.find("zs_row."), std::string::npos) << check->expression;
  EXPECT_NE(report.ToText().find("3 rows skipped: written through the new version, where `up` "
                                 "does not run"),
            std::string::npos)
      << report.ToText();

  nlohmann::json json = report.ToJson();
  std::string trigger = json["tables"][0]["trigger"];
  EXPECT_EQ(
      admin_->Exec("SELECT count(*) FROM pg_trigger WHERE tgname = " + pg::QuoteLiteral(trigger))
          ->Get(0, 0),
      "1")
      << trigger;
  EXPECT_FALSE(json["tables"][0]["checks"][0].contains("trigger"));
  EXPECT_EQ(json["skipped"], 3);

  RunBehindTriggers("UPDATE users SET email_lower = 'bypass' WHERE id = 10");
  VerifyReport dirty = Verify();
  EXPECT_EQ(dirty.mismatches(), 1);
  EXPECT_EQ(dirty.proven_mismatches(), 1);
  EXPECT_NE(dirty.ToText().find(": 1 mismatch\n"), std::string::npos) << dirty.ToText();
  EXPECT_NE(dirty.ToText().find("1 mismatching value that"), std::string::npos) << dirty.ToText();
}

TEST_F(VerifyTest, CountsEveryMismatchButListsAtMostMax) {
  StartSplitName();
  RunBehindTriggers("UPDATE users SET last_name = NULL WHERE id % 100 = 0");
  VerifyOptions options;
  options.max_mismatches = 4;
  VerifyReport report = Verify(options);
  const CheckResult* last = Check(report, "last_name");
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->mismatches, kRows / 100);
  // The first four keys in key order, across batches.
  std::vector<std::vector<std::string>> expected = {{"100"}, {"200"}, {"300"}, {"400"}};
  EXPECT_EQ(last->keys, expected);
  // `down` did not run for those rows (the marker says `up` did): not checked.
  EXPECT_EQ(Check(report, "name")->mismatches, 0);
  nlohmann::json json = report.ToJson();
  EXPECT_EQ(json["mismatches"], kRows / 100);
  EXPECT_EQ(json["clean"], false);
  EXPECT_NE(report.ToText().find("... and 26 more"), std::string::npos) << report.ToText();
}

TEST_F(VerifyTest, OnlyTheActiveMigrationCanBeVerified) {
  StartSplitName();
  Result<VerifyReport> other = engine_->Verify("01_other", {});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), Code::kNotFound);
  EXPECT_NE(other.status().message().find("02_split_name"), std::string::npos);
  Status completed = engine_->Complete();
  ASSERT_TRUE(completed.ok()) << completed.ToString();
  Result<VerifyReport> none = engine_->Verify("", {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Code::kNotFound);
}

// A table with no key is read in ctid page ranges; mismatches are named by
// relation and ctid. The spec is written by hand: the expression uses a
// variable name that differs from the column it is bound to.
TEST_F(VerifyTest, CtidWalkOnATableWithoutKey) {
  Run("CREATE TABLE logs (src text NOT NULL, dst text)");
  Run("INSERT INTO logs SELECT 'line ' || i, upper('line ' || i) FROM generate_series(1, 5000) i");
  Run("UPDATE logs SET dst = 'broken' WHERE src = 'line 4321'");
  triggers::TriggerSpec spec{.name = "_zs_logs_00_dst_up",
                             .schema = "public",
                             .table = "logs",
                             .direction = triggers::Direction::kUp,
                             .version_schema = "public_x",
                             .variables = {{"source", "src"}},
                             .target_column = "dst",
                             .expression = "(upper(source))"};
  VerifyOptions options;
  options.batch_rows = 400;
  Result<std::vector<TableResult>> tables = VerifyTriggers(*admin_, {spec}, options);
  ASSERT_TRUE(tables.ok()) << tables.status().ToString();
  ASSERT_EQ(tables->size(), 1u);
  const TableResult& logs = (*tables)[0];
  EXPECT_EQ(logs.walk, "ctid page ranges");
  EXPECT_EQ(logs.rows_checked, 5000);
  EXPECT_EQ(logs.key_columns, (std::vector<std::string>{"relation", "ctid"}));
  ASSERT_EQ(logs.checks.size(), 1u);
  EXPECT_EQ(logs.checks[0].mismatches, 1);
  Result<pg::Rows> ctid = admin_->Exec("SELECT ctid::text FROM logs WHERE src = 'line 4321'");
  ASSERT_TRUE(ctid.ok());
  ASSERT_EQ(logs.checks[0].keys.size(), 1u);
  EXPECT_EQ(logs.checks[0].keys[0],
            (std::vector<std::string>{"\"public\".\"logs\"", ctid->Get(0, 0)}));
}

// Without a key, each leaf partition is read in turn; a json target (no `=`
// operator) is compared as text.
TEST_F(VerifyTest, PartitionedTableWithoutKeyAndAJsonTarget) {
  Run("CREATE TABLE m (device int NOT NULL, doc json) PARTITION BY HASH (device)");
  for (int i = 0; i < 3; ++i) {
    Run(fmt::format("CREATE TABLE m_{0} PARTITION OF m FOR VALUES WITH (MODULUS 3, REMAINDER {0})",
                    i));
  }
  Run("INSERT INTO m SELECT i, json_build_object('d', i) FROM generate_series(1, 3000) i");
  Run("UPDATE m SET doc = '{\"d\": 0}' WHERE device = 2024");
  triggers::TriggerSpec spec{.name = "_zs_m_00_doc_up",
                             .schema = "public",
                             .table = "m",
                             .variables = {{"device", "device"}},
                             .target_column = "doc",
                             .expression = "(json_build_object('d', device))"};
  VerifyOptions options;
  options.batch_rows = 250;
  Result<std::vector<TableResult>> tables = VerifyTriggers(*admin_, {spec}, options);
  ASSERT_TRUE(tables.ok()) << tables.status().ToString();
  const TableResult& m = (*tables)[0];
  EXPECT_EQ(m.walk, "ctid page ranges over 3 partitions");
  EXPECT_EQ(m.rows_checked, 3000);
  ASSERT_EQ(m.checks[0].mismatches, 1);
  Result<pg::Rows> where =
      admin_->Exec("SELECT tableoid::regclass::text, ctid::text FROM m WHERE device = 2024");
  ASSERT_TRUE(where.ok());
  EXPECT_EQ(m.checks[0].keys[0],
            (std::vector<std::string>{fmt::format("\"public\".\"{}\"", where->Get(0, 0)),
                                      where->Get(0, 1)}));
}

TEST_F(VerifyTest, ReadOnlyEvenWhenTheExpressionWouldWrite) {
  Run("CREATE TABLE seqd (id int PRIMARY KEY, n bigint)");
  Run("CREATE SEQUENCE s");
  Run("INSERT INTO seqd SELECT i, i FROM generate_series(1, 10) i");
  triggers::TriggerSpec spec{.name = "t",
                             .schema = "public",
                             .table = "seqd",
                             .variables = {},
                             .target_column = "n",
                             .expression = "(nextval('s'))"};
  Result<std::vector<TableResult>> tables = VerifyTriggers(*admin_, {spec}, {});
  ASSERT_FALSE(tables.ok());
  EXPECT_NE(tables.status().message().find("read-only"), std::string::npos)
      << tables.status().ToString();
  EXPECT_NE(tables.status().message().find("\"public\".\"seqd\""), std::string::npos);
  EXPECT_FALSE(admin_->InTransaction());
}

// ---- the CLI binary

TEST_F(VerifyTest, CliExitsZeroWhenCleanAndOneWithTheKeysWhenNot) {
  StartSplitName();
  ProcessRun clean = RunBinary({"verify", "--postgres-url", url_, "--batch-size", "1000"});
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_NE(clean.out.find("clean"), std::string::npos) << clean.out;
  EXPECT_NE(clean.err.find("3000 rows checked"), std::string::npos) << clean.err;

  RunBehindTriggers("UPDATE users SET first_name = 'X' WHERE id IN (5, 2500)");
  ProcessRun dirty = RunBinary({"verify", "--postgres-url", url_, "--json", "-q"});
  EXPECT_EQ(dirty.exit_code, 1) << dirty.err;
  nlohmann::json json = nlohmann::json::parse(dirty.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << dirty.out;
  EXPECT_EQ(json["mismatches"], 2);  // first_name's `up`, for each row
  nlohmann::json first_name;
  for (const auto& check : json["tables"][0]["checks"]) {
    if (check["column"] == "first_name") first_name = check;
  }
  EXPECT_EQ(first_name["keys"], nlohmann::json::parse(R"([["5"], ["2500"]])"));
  EXPECT_NE(dirty.err.find("found 2 values"), std::string::npos) << dirty.err;

  ProcessRun named = RunBinary({"verify", "01_nope", "--postgres-url", url_});
  EXPECT_EQ(named.exit_code, 1);
  EXPECT_NE(named.err.find("\"01_nope\" is not active"), std::string::npos) << named.err;
}

}  // namespace
}  // namespace zs::backfill
