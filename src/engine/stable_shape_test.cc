// Invariant 2 for the clients that were there before the first migration:
// their shape never changes under them. `zeroshift init` (the CLI) creates a
// baseline version, schema public_baseline of views over the tables as they
// are, which the first migration keeps as its previous version and drops at
// complete. Real `pgbench -M prepared` clients (an application role with
// table grants only) run a prepared `SELECT *` and `UPDATE ... RETURNING *`
// through it while start, rollback and complete run; the same clients on the
// raw table fail with "cached plan must not change result type". Also: writes
// through the baseline views go the `up` way, and the bulk-load recipes for a
// migration in progress (INSERT ... SELECT through the new version's view,
// COPY into the raw table with the old shape) deliver rows in both shapes.
//
// The clients are gated, not timed: each pgbench transaction ends with
// `SELECT pg_advisory_lock_shared(k), pg_advisory_unlock_shared(k) FROM
// gate.phase`, so once every client waits on key k its statements are
// prepared, the test runs a step, points gate.phase at the next key and
// releases k. pgbench then executes the prepared statements after the step.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "engine/baseline_version.h"
#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "migration/parser.h"
#include "pg/quote.h"
#include "testing/seed_migration.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::engine {
namespace {

namespace fs = std::filesystem;
using zs::testing::MustRun;
using zs::testing::Open;

constexpr const char* kRole = "zs_shape_app";
constexpr const char* kBaseline = "public_baseline";
constexpr const char* kNewVersion = "public_02_split_name";
constexpr int kClients = 2;
// A hang guard only (pgbench or a client stuck): every wait is for an event.
constexpr std::chrono::seconds kDeadline{90};

// Old-version clients: the shape users had before the migration.
constexpr const char* kOldScript = R"(\set id random(1, 50)
SELECT * FROM users WHERE id = :id;
UPDATE users SET name = name WHERE id = :id RETURNING *;
SELECT pg_advisory_lock_shared(k), pg_advisory_unlock_shared(k) FROM gate.phase;
)";

// New-version clients: first_name and last_name instead of name.
constexpr const char* kNewScript = R"(\set id random(1, 50)
SELECT * FROM users WHERE id = :id;
UPDATE users SET first_name = first_name WHERE id = :id RETURNING *;
SELECT pg_advisory_lock_shared(k), pg_advisory_unlock_shared(k) FROM gate.phase;
)";

std::string AppUrl(const std::string& url) {
  // The superuser URL from the shared cluster, with the application role.
  std::string prefix = "postgresql://postgres@";
  EXPECT_EQ(url.rfind(prefix, 0), 0u) << url;
  return std::string("postgresql://") + kRole + "@" + url.substr(prefix.size());
}

// One pgbench run in the background, output in a file, killed (its own pid
// only) if the test ends before it does.
class PgBench {
 public:
  PgBench(const std::string& url, const std::string& search_path, const std::string& script,
          int transactions) {
    static int counter = 0;
    dir_ = fs::temp_directory_path() / fmt::format("zs_pgbench_{}_{}", getpid(), counter++);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "script.sql") << script;
    std::string pgbench = testing::SharedCluster().bin_dir() + "/pgbench";
    EXPECT_TRUE(fs::exists(pgbench)) << pgbench << " is missing (Debian package postgresql)";
    std::string options = "-c search_path=" + search_path;
    std::string out = (dir_ / "out").string();
    std::string script_path = (dir_ / "script.sql").string();
    std::string clients = std::to_string(kClients);
    std::string count = std::to_string(transactions);
    pid_ = fork();
    if (pid_ == 0) {
      setenv("PGOPTIONS", options.c_str(), 1);
      FILE* f = freopen(out.c_str(), "w", stdout);
      if (f == nullptr || dup2(fileno(stdout), STDERR_FILENO) < 0) _exit(127);
      execl(pgbench.c_str(), "pgbench", "-n", "-M", "prepared", "-c", clients.c_str(), "-t",
            count.c_str(), "-f", script_path.c_str(), url.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~PgBench() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    fs::remove_all(dir_);
  }

  bool Exited() {
    if (exited_) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
    exited_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return true;
  }
  // Waits for the end (bounded by kDeadline) and returns pgbench's exit code.
  int Wait() {
    auto until = std::chrono::steady_clock::now() + kDeadline;
    while (!Exited() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(exited_) << "pgbench did not finish; output so far:\n" << Output();
    return exit_code_;
  }
  std::string Output() const { return testing::ReadFile(dir_ / "out"); }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
};

class StableShapeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::FreshDatabaseUrl();
    conn_ = std::make_unique<pg::Connection>(Open(url_));
    MustRun(*conn_,
            fmt::format("DO $$ BEGIN CREATE ROLE {0} LOGIN; EXCEPTION WHEN duplicate_object "
                        "THEN NULL; END $$;"
                        "CREATE TABLE users (id bigint PRIMARY KEY, name text, email text);"
                        "INSERT INTO users SELECT g, 'First' || g || ' Last' || g, "
                        "'u' || g || '@example.com' FROM generate_series(1, 50) g;"
                        "GRANT SELECT, INSERT, UPDATE, DELETE ON users TO {0};"
                        "CREATE SCHEMA gate; CREATE TABLE gate.phase (k int NOT NULL);"
                        "INSERT INTO gate.phase VALUES (1);"
                        "GRANT USAGE ON SCHEMA gate TO {0}; GRANT SELECT ON gate.phase TO {0};",
                        kRole));
    auto migration = migration::ParseMigration(testing::kSplitNameYaml, "02_split_name.yaml");
    ASSERT_TRUE(migration.ok()) << migration.status().ToString();
    migration_ = std::move(migration).value();
    migration_.name = "02_split_name";
    gate_ = std::make_unique<pg::Connection>(Open(url_));
  }

  Engine Connect() { return test_util::MustConnect(url_); }

  // `zeroshift init`: the state schema and the baseline version.
  void Init() {
    Engine engine = Connect();
    ASSERT_TRUE(engine.Init().ok());
    Status created = CreateBaselineVersion(engine.session(), "public", "baseline", {}, nullptr);
    ASSERT_TRUE(created.ok()) << created.ToString();
    GrantOn(kBaseline);
  }

  // Until another engineer's automatic grants on version views land, the
  // application role gets them here, as its DBA would.
  void GrantOn(const std::string& version) {
    MustRun(*conn_, fmt::format("GRANT USAGE ON SCHEMA {0} TO {1};"
                                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {0} "
                                "TO {1};",
                                pg::QuoteIdent(version), kRole));
  }

  void Expect(Status status) { ASSERT_TRUE(status.ok()) << status.ToString(); }

  // Holds the gate keys the clients will wait on.
  void CloseGates(std::initializer_list<int> keys) {
    for (int key : keys) MustRun(*gate_, fmt::format("SELECT pg_advisory_lock({})", key));
  }
  // Points the clients' next gate at `next`, then lets them through `key`.
  void Release(int key, int next) {
    MustRun(*conn_, fmt::format("UPDATE gate.phase SET k = {}", next));
    MustRun(*gate_, fmt::format("SELECT pg_advisory_unlock({})", key));
  }
  // Until every client waits on `key` (its statements are prepared by then),
  // or pgbench has ended (its clients failed).
  void AwaitClientsAt(int key, PgBench& bench) {
    auto until = std::chrono::steady_clock::now() + kDeadline;
    while (std::chrono::steady_clock::now() < until && !bench.Exited()) {
      auto rows = conn_->Exec(
          fmt::format("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                      "AND objid = {}",
                      key));
      ASSERT_TRUE(rows.ok()) << rows.status().ToString();
      if (rows->GetInt(0, 0) == kClients) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(bench.Exited()) << "clients never reached gate " << key << ":\n" << bench.Output();
  }

  static void ExpectNoFailure(PgBench& bench) {
    int code = bench.Wait();
    std::string out = bench.Output();
    EXPECT_EQ(code, 0) << out;
    EXPECT_EQ(out.find("aborted"), std::string::npos) << out;
    EXPECT_NE(out.find("number of failed transactions: 0 "), std::string::npos) << out;
    EXPECT_NE(out.find(fmt::format("number of transactions actually processed: {}/", kClients * 3)),
              std::string::npos)
        << out;
  }
  static void ExpectShapeError(PgBench& bench) {
    int code = bench.Wait();
    std::string out = bench.Output();
    EXPECT_NE(code, 0) << out;
    EXPECT_NE(out.find("cached plan must not change result type"), std::string::npos) << out;
  }

  // The baseline view's columns, in order.
  std::string BaselineColumns() {
    auto rows = conn_->ExecParams(
        "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = "
        "to_regclass($1) AND attnum > 0 AND NOT attisdropped",
        {std::string(kBaseline) + ".users"});
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? rows->Get(0, 0) : "";
  }

  std::string Value(const std::string& sql) {
    auto rows = conn_->Exec(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    return rows.ok() && !rows->empty() && !rows->IsNull(0, 0) ? rows->Get(0, 0) : "<none>";
  }

  std::string url_;
  std::unique_ptr<pg::Connection> conn_;
  std::unique_ptr<pg::Connection> gate_;  // holds the clients' gate keys
  migration::Migration migration_;
};

// Prepared clients through the baseline version: start, then rollback, with
// the clients executing their prepared statements after each; then start,
// complete with new-version clients through complete. No client fails, and
// the baseline's columns never change until the first complete drops it.
TEST_F(StableShapeTest, PreparedClientsOnTheBaselineVersionSurviveStartRollbackAndComplete) {
  Init();
  EXPECT_EQ(BaselineColumns(), "id,name,email");
  {
    CloseGates({1, 2});
    PgBench old_clients(AppUrl(url_), kBaseline, kOldScript, 3);
    AwaitClientsAt(1, old_clients);
    Engine engine = Connect();
    Expect(engine.Start(migration_));
    EXPECT_EQ(BaselineColumns(), "id,name,email");
    Release(1, 2);
    AwaitClientsAt(2, old_clients);
    Expect(engine.Rollback());
    EXPECT_EQ(BaselineColumns(), "id,name,email");
    Release(2, 3);
    ExpectNoFailure(old_clients);
  }
  // Again, through complete: old clients leave before it, new ones stay.
  MustRun(*conn_, "UPDATE gate.phase SET k = 1");
  CloseGates({1, 2});
  Engine engine = Connect();
  {
    PgBench old_clients(AppUrl(url_), kBaseline, kOldScript, 3);
    AwaitClientsAt(1, old_clients);
    Expect(engine.Start(migration_));
    GrantOn(kNewVersion);
    Release(1, 3);
    ExpectNoFailure(old_clients);
  }
  {
    MustRun(*conn_, "UPDATE gate.phase SET k = 2");
    PgBench new_clients(AppUrl(url_), kNewVersion, kNewScript, 3);
    AwaitClientsAt(2, new_clients);
    Expect(engine.Complete());
    Release(2, 3);
    ExpectNoFailure(new_clients);
  }
  // The first complete dropped the baseline, as any previous version.
  EXPECT_EQ(Value(fmt::format("SELECT count(*) FROM pg_namespace WHERE nspname = '{}'", kBaseline)),
            "0");
  EXPECT_EQ(Value("SELECT count(*) FROM users WHERE first_name || ' ' || last_name <> "
                  "'First' || id || ' Last' || id"),
            "0");
}

// The same clients on the raw table fail: at start (columns appear) and at
// rollback (they go).
TEST_F(StableShapeTest, PreparedClientsOnTheRawTableFailAtStartAndAtRollback) {
  Init();
  Engine engine = Connect();
  {
    CloseGates({1});
    PgBench raw_clients(AppUrl(url_), "public", kOldScript, 3);
    AwaitClientsAt(1, raw_clients);
    Expect(engine.Start(migration_));
    Release(1, 3);
    ExpectShapeError(raw_clients);
  }
  {
    MustRun(*conn_, "UPDATE gate.phase SET k = 1");
    CloseGates({1});
    PgBench raw_clients(AppUrl(url_), "public", kOldScript, 3);
    AwaitClientsAt(1, raw_clients);
    Expect(engine.Rollback());
    Release(1, 3);
    ExpectShapeError(raw_clients);
  }
}

// Writes through the baseline's views while the migration is active: the
// trigger treats them as the old version (`up` fills the new columns), with
// RETURNING * in the old shape, ON CONFLICT, and DELETE.
TEST_F(StableShapeTest, WritesThroughTheBaselineVersionGoUp) {
  Init();
  Engine engine = Connect();
  Expect(engine.Start(migration_));
  pg::Connection app = Open(AppUrl(url_));
  MustRun(app, fmt::format("SET search_path TO {}", kBaseline));
  auto inserted = app.Exec(
      "INSERT INTO users (id, name, email) VALUES (101, 'Ada Lovelace', 'ada@example.com') "
      "RETURNING *");
  ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
  ASSERT_EQ(inserted->columns(), 3);
  EXPECT_EQ(inserted->Get(0, 1), "Ada Lovelace");
  auto upserted = app.Exec(
      "INSERT INTO users (id, name, email) VALUES (101, 'Ada King', 'ada@example.com') "
      "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name RETURNING *");
  ASSERT_TRUE(upserted.ok()) << upserted.status().ToString();
  EXPECT_EQ(upserted->Get(0, 1), "Ada King");
  MustRun(app, "UPDATE users SET name = 'Grace Hopper' WHERE id = 2");
  MustRun(app, "DELETE FROM users WHERE id = 3");
  EXPECT_EQ(Value("SELECT first_name || '/' || last_name FROM users WHERE id = 101"), "Ada/King");
  EXPECT_EQ(Value("SELECT first_name || '/' || last_name FROM users WHERE id = 2"), "Grace/Hopper");
  EXPECT_EQ(Value("SELECT count(*) FROM users WHERE id = 3"), "0");
  Expect(engine.Complete());
  EXPECT_EQ(Value("SELECT first_name || '/' || last_name FROM users WHERE id = 101"), "Ada/King");
}

// Bulk loading during a migration: new-version clients cannot COPY into a
// view (nor MERGE into one before PostgreSQL 17), so they INSERT ... SELECT
// through the view; old-version loaders COPY into the raw table naming the
// old shape's columns. Each row arrives in both shapes.
TEST_F(StableShapeTest, BulkLoadsDuringAMigrationArriveInBothShapes) {
  Init();
  Engine engine = Connect();
  Expect(engine.Start(migration_));
  GrantOn(kNewVersion);
  pg::Connection app = Open(AppUrl(url_));
  MustRun(app, fmt::format("SET search_path TO {}", kNewVersion));
  MustRun(app,
          "INSERT INTO users (id, first_name, last_name, email) SELECT g, 'Bulk' || g, 'New', "
          "'b' || g || '@example.com' FROM generate_series(201, 230) g");

  // COPY with the old shape, as psql's \copy sends it, into the raw table.
  fs::path csv = fs::temp_directory_path() / fmt::format("zs_copy_{}.csv", getpid());
  {
    std::ofstream out(csv);
    for (int id = 301; id <= 330; ++id) out << id << ",Copy" << id << " Old,c" << id << "@x\n";
  }
  std::string psql = testing::SharedCluster().bin_dir() + "/psql";
  std::string command =
      fmt::format("PGOPTIONS='-c search_path=public' {} -X -v ON_ERROR_STOP=1 -q -d {} -c {} 2>&1",
                  testing::ShellQuote(psql), testing::ShellQuote(AppUrl(url_)),
                  testing::ShellQuote("\\copy public.users (id, name, email) FROM '" +
                                      csv.string() + "' WITH (FORMAT csv)"));
  int status = std::system(command.c_str());
  fs::remove(csv);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command;

  // Old shape (the baseline version) and new shape (the new version) agree.
  EXPECT_EQ(Value(fmt::format("SELECT count(*) FROM {}.users WHERE id BETWEEN 201 AND 230 AND "
                              "name = 'Bulk' || id || ' New'",
                              kBaseline)),
            "30");
  EXPECT_EQ(Value(fmt::format("SELECT count(*) FROM {}.users WHERE id BETWEEN 301 AND 330 AND "
                              "first_name = 'Copy' || id AND last_name = 'Old'",
                              kNewVersion)),
            "30");
  Expect(engine.Complete());
  EXPECT_EQ(Value("SELECT count(*) FROM users WHERE id > 200 AND last_name IN ('New', 'Old')"),
            "60");
}

// The first migration keeps the baseline as its previous version: its plan
// drops it at complete and never at rollback; a migration whose version
// schema would be the baseline's is refused before anything runs.
TEST_F(StableShapeTest, TheFirstMigrationKeepsTheBaselineUntilComplete) {
  Init();
  Engine engine = Connect();
  auto plan = engine.PlanMigration(migration_);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::string drop = "DROP SCHEMA IF EXISTS \"public_baseline\" CASCADE;";
  auto has_drop = [&](const std::vector<ops::Action>& actions) {
    return std::any_of(actions.begin(), actions.end(),
                       [&](const ops::Action& a) { return a.sql == drop; });
  };
  EXPECT_TRUE(has_drop(plan->complete));
  EXPECT_FALSE(has_drop(plan->rollback));
  auto old = OldVersionSchema(engine.session(), "public");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, kBaseline);

  migration::Migration clash = migration_;
  clash.name = "baseline";
  Status refused = engine.Start(clash);
  EXPECT_EQ(refused.code(), Code::kConflict) << refused.ToString();
  EXPECT_NE(refused.message().find("public_baseline"), std::string::npos) << refused.ToString();
  EXPECT_EQ(Value("SELECT count(*) FROM zeroshift.migrations"), "0");

  // A re-run of init keeps it as it is.
  MustRun(*conn_, "ALTER TABLE users ADD COLUMN age int");
  Expect(CreateBaselineVersion(engine.session(), "public", "baseline", {}, nullptr));
  EXPECT_EQ(BaselineColumns(), "id,name,email");
}

// A baseline name that is taken by a schema zeroshift did not create is
// refused, and nothing is created or recorded.
TEST_F(StableShapeTest, ABaselineNameThatIsTakenIsRefused) {
  MustRun(*conn_, "CREATE SCHEMA public_baseline");
  Engine engine = Connect();
  ASSERT_TRUE(engine.Init().ok());
  Status refused = CreateBaselineVersion(engine.session(), "public", "baseline", {}, nullptr);
  EXPECT_EQ(refused.code(), Code::kConflict) << refused.ToString();
  EXPECT_NE(refused.message().find("--baseline-name"), std::string::npos) << refused.ToString();
  EXPECT_EQ(
      Value("SELECT count(*) FROM pg_class WHERE relnamespace = 'public_baseline'::regnamespace"),
      "0");
  auto old = OldVersionSchema(engine.session(), "public");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, "");
  Expect(CreateBaselineVersion(engine.session(), "public", "v1", {}, nullptr));
  EXPECT_EQ(Value("SELECT count(*) FROM pg_views WHERE schemaname = 'public_v1'"), "1");
}

}  // namespace
}  // namespace zs::engine
