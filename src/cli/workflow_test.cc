// The directory workflow through the real binary against a real PostgreSQL:
// migrate (order, pending, active, mismatches, bad input, --single-version),
// validate (read-only), latest, pull, baseline and drift.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "migration/parser.h"
#include "testing/catalog_dump.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::cli {
namespace {

namespace fs = std::filesystem;
using zs::testing::CatalogDump;
using zs::testing::MustRun;
using zs::testing::Open;
using zs::testing::ProcessRun;
using zs::testing::RunBinary;

constexpr const char* k01 = R"yaml(operations:
  - create_table:
      name: products
      columns:
        - {name: id, type: serial, pk: true}
        - {name: name, type: varchar(255), unique: true}
)yaml";
constexpr const char* k02 = R"yaml(operations:
  - add_column:
      table: products
      column: {name: price, type: "numeric(10,2)", nullable: true}
)yaml";
constexpr const char* k03 = R"yaml(operations:
  - rename_column:
      table: products
      from: name
      to: title
)yaml";
constexpr const char* k04 = R"yaml(operations:
  - add_column:
      table: products
      up: upper(title)
      column: {name: code, type: text, nullable: true}
)yaml";

// A fresh database, initialised, and a scratch directory for migration files.
class WorkflowCli : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    root_ = fs::temp_directory_path() / fmt::format("zs_wf_{}_{}", getpid(), counter++);
    dir_ = root_ / "migrations";
    fs::create_directories(dir_);
    url_ = zs::testing::FreshDatabaseUrl();
  }
  void TearDown() override { fs::remove_all(root_); }

  void Write(const std::string& name, const std::string& text, const fs::path& dir = {}) {
    std::ofstream(dir.empty() ? dir_ / name : dir / name) << text;
  }
  ProcessRun Zs(std::vector<std::string> args) {
    args.push_back("--postgres-url");
    args.push_back(url_);
    return RunBinary(args);
  }
  void Init() {
    ProcessRun init = Zs({"init"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }
  std::string Value(const std::string& sql) {
    pg::Connection conn = Open(url_);
    Result<pg::Rows> rows = conn.Exec(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    return rows.ok() && !rows->empty() ? rows->Get(0, 0) : "<error>";
  }
  std::string Dump() {
    pg::Connection conn = Open(url_);
    return CatalogDump(conn);
  }

  fs::path root_;
  fs::path dir_;
  std::string url_;
};

TEST_F(WorkflowCli, MigrateAppliesPendingInOrderAndLeavesTheLastActive) {
  Init();
  Write("01_products.yaml", k01);
  Write("02_price.yaml", k02);
  Write("03_title.yaml", k03);
  ProcessRun run = Zs({"migrate", dir_.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "applied 01_products\napplied 02_price\nstarted 03_title: active in version schema "
            "public_03_title; `zeroshift complete` once old clients are gone\n");
  EXPECT_EQ(Value("SELECT string_agg(name || ':' || step, ',' ORDER BY created_at) FROM "
                  "zeroshift.migrations"),
            "01_products:done,02_price:done,03_title:active");
  EXPECT_EQ(Value("SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                  "'public_03_title' AND table_name = 'products' AND column_name = 'title'"),
            "1");

  // Nothing pending: the active migration stays, and the output says what to do.
  ProcessRun again = Zs({"migrate", dir_.string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("03_title is active and nothing else is pending"), std::string::npos)
      << again.out;
  EXPECT_EQ(Value("SELECT step FROM zeroshift.migrations WHERE name = '03_title'"), "active");

  // A new file: the active one is completed first, then the new one starts.
  Write("04_code.yaml", k04);
  ProcessRun more = Zs({"migrate", dir_.string()});
  ASSERT_EQ(more.exit_code, 0) << more.err;
  EXPECT_EQ(more.out,
            "completed 03_title (it was active)\nstarted 04_code: active in version schema "
            "public_04_code; `zeroshift complete` once old clients are gone\n");

  ProcessRun latest = Zs({"latest", "migration"});
  EXPECT_EQ(latest.exit_code, 0) << latest.err;
  EXPECT_EQ(latest.out, "04_code\n");
  EXPECT_EQ(Zs({"latest", "schema"}).out, "public_04_code\n");
  EXPECT_EQ(Zs({"latest"}).out, "public_04_code\n");

  ProcessRun done = Zs({"migrate", dir_.string(), "--complete"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(done.out,
            "completed 04_code (it was active)\ndatabase is up to date; no migrations to apply\n");
  EXPECT_EQ(Value("SELECT count(*) FROM zeroshift.migrations WHERE NOT done"), "0");
  EXPECT_EQ(Value("SELECT string_agg(code, ',') FROM products"), "");
  EXPECT_EQ(Zs({"migrate", dir_.string()}).out, "database is up to date; no migrations to apply\n");
}

// start and status give each side the search_path that works: its version,
// then the schema (whose functions, types and sequences the app still needs).
TEST_F(WorkflowCli, StartAndStatusGiveTheWorkingSearchPaths) {
  Init();
  Write("01_products.yaml", k01);
  ASSERT_EQ(Zs({"migrate", dir_.string(), "--complete"}).exit_code, 0);
  Write("02_price.yaml", k02);
  ProcessRun start = Zs({"start", (dir_ / "02_price.yaml").string()});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  std::string said = start.out + start.err;
  EXPECT_NE(said.find("SET search_path TO \"public_02_price\", \"public\""), std::string::npos)
      << said;
  EXPECT_NE(said.find("SET search_path TO \"public_01_products\", \"public\""), std::string::npos)
      << said;
  nlohmann::json status = nlohmann::json::parse(Zs({"status"}).out);
  EXPECT_EQ(status["new_clients_search_path"], "\"public_02_price\", \"public\"");
  EXPECT_EQ(status["old_clients_search_path"], "\"public_01_products\", \"public\"");
}

TEST_F(WorkflowCli, MigrateFollowsTheLedger) {
  Init();
  // Lexical order would run b before a, which cannot work.
  Write("b_price.yaml", k02);
  Write("a_products.yaml", k01);
  Write("z_unlisted.yaml", k03);
  Write(".ledger", "a_products.yaml\nb_price.yaml\n");
  ProcessRun run = Zs({"migrate", dir_.string(), "--complete"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "applied a_products\napplied b_price\n");
  EXPECT_EQ(Zs({"latest", "migration", "--local", dir_.string()}).out, "b_price\n");
}

TEST_F(WorkflowCli, MigrateRefusesWhenHistoryAndDirectoryDisagree) {
  Init();
  Write("01_products.yaml", k01);
  Write("02_price.yaml", k02);
  ASSERT_EQ(Zs({"migrate", dir_.string(), "--complete"}).exit_code, 0);
  std::string before = Dump();

  // The history has 02_price; the directory lost it and has another file instead.
  fs::remove(dir_ / "02_price.yaml");
  Write("02_other.yaml", k04);
  ProcessRun missing = Zs({"migrate", dir_.string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("history has migration \"02_price\""), std::string::npos)
      << missing.err;
  EXPECT_NE(missing.err.find("\"02_other\" in its place"), std::string::npos) << missing.err;

  // Same names, different order.
  fs::remove(dir_ / "02_other.yaml");
  Write("00_price.yaml", std::string("name: 02_price\n") + k02);
  ProcessRun order = Zs({"migrate", dir_.string()});
  EXPECT_EQ(order.exit_code, 1);
  EXPECT_NE(order.err.find("differs from the history"), std::string::npos) << order.err;
  EXPECT_NE(order.err.find("\"01_products\""), std::string::npos) << order.err;
  EXPECT_NE(order.err.find("\"02_price\""), std::string::npos) << order.err;
  EXPECT_EQ(Dump(), before);
}

TEST_F(WorkflowCli, MigrateBadInputNamesTheFileAndTouchesNothing) {
  Init();
  Write("01_products.yaml", k01);
  Write("02_bad.yaml", "operations:\n  - add_column:\n      table: products\n      colum: {}\n");
  std::string before = Dump();
  ProcessRun bad = Zs({"migrate", dir_.string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find((dir_ / "02_bad.yaml").string() + ":4:"), std::string::npos) << bad.err;

  fs::remove(dir_ / "02_bad.yaml");
  Write(".ledger", "01_products.yaml\n02_gone.yaml\n");
  ProcessRun ledger = Zs({"migrate", dir_.string()});
  EXPECT_EQ(ledger.exit_code, 1);
  EXPECT_NE(ledger.err.find((dir_ / ".ledger").string() + ":2:"), std::string::npos) << ledger.err;
  EXPECT_NE(ledger.err.find("02_gone.yaml"), std::string::npos) << ledger.err;

  ProcessRun nodir = Zs({"migrate", (root_ / "nope").string()});
  EXPECT_EQ(nodir.exit_code, 1);
  EXPECT_NE(nodir.err.find("nope does not exist"), std::string::npos) << nodir.err;

  // A migration that fails validation against the schema: nothing of it runs.
  fs::remove(dir_ / ".ledger");
  Write("02_price.yaml",
        "operations:\n  - add_column:\n      table: nosuch\n      column: {name: "
        "x, type: text, nullable: true}\n");
  fs::remove(dir_ / "01_products.yaml");
  ProcessRun invalid = Zs({"migrate", dir_.string()});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_NE(invalid.err.find("02_price.yaml:2:"), std::string::npos) << invalid.err;
  EXPECT_NE(invalid.err.find("\"nosuch\""), std::string::npos) << invalid.err;
  EXPECT_EQ(Dump(), before);
}

TEST_F(WorkflowCli, MigrateNeedsInit) {
  Write("01_products.yaml", k01);
  ProcessRun run = Zs({"migrate", dir_.string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("zeroshift init"), std::string::npos) << run.err;
}

TEST_F(WorkflowCli, SingleVersionStartsSeveralMigrationsAsOneVersion) {
  Init();
  Write("01_products.yaml", k01);
  ASSERT_EQ(Zs({"migrate", dir_.string(), "--complete"}).exit_code, 0);
  Write("02_price.yaml", k02);
  Write("03_title.yaml", k03);
  Write("04_code.yaml", k04);
  ProcessRun run = Zs({"migrate", dir_.string(), "--single-version"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "started 02_price (one version: public_04_code)\n"
            "started 03_title (one version: public_04_code)\n"
            "started 04_code (one version: public_04_code)\n"
            "`zeroshift complete` completes them together once old clients are gone\n");
  // One state row, one version schema with the three changes in it.
  EXPECT_EQ(Value("SELECT string_agg(name, ',' ORDER BY created_at) FROM zeroshift.migrations"),
            "01_products,04_code");
  EXPECT_EQ(Value("SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE "
                  "nspname LIKE 'public\\_%'"),
            "public_01_products,public_04_code");
  EXPECT_EQ(Value("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                  "information_schema.columns WHERE table_schema = 'public_04_code' AND "
                  "table_name = 'products'"),
            "id,title,price,code");
  EXPECT_EQ(Zs({"latest", "migration"}).out, "04_code\n");

  // The history lists each migration: pull writes three files with their own content.
  fs::path pulled = root_ / "pulled";
  ProcessRun pull = Zs({"pull", pulled.string()});
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  for (const char* name : {"01_products", "02_price", "03_title", "04_code"}) {
    auto original = migration::LoadMigrationFile((dir_ / (std::string(name) + ".yaml")).string());
    auto written = migration::LoadMigrationFile((pulled / (std::string(name) + ".yaml")).string());
    ASSERT_TRUE(written.ok()) << name << ": " << written.status().ToString();
    EXPECT_EQ(migration::ToJson(*written), migration::ToJson(*original)) << name;
  }
  // A later migrate sees each of them as applied.
  ProcessRun again = Zs({"migrate", dir_.string()});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("04_code is active and nothing else is pending"), std::string::npos)
      << again.out;

  // Rollback takes all three back at once.
  std::string active = Dump();
  ProcessRun rollback = Zs({"rollback"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  EXPECT_EQ(Value("SELECT count(*) FROM zeroshift.migrations"), "1");
  EXPECT_EQ(Value("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                  "information_schema.columns WHERE table_schema = 'public' AND "
                  "table_name = 'products'"),
            "id,name");
  ProcessRun complete = Zs({"migrate", dir_.string(), "--single-version", "--complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  EXPECT_EQ(Value("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                  "information_schema.columns WHERE table_schema = 'public' AND "
                  "table_name = 'products'"),
            "id,title,price,code");
  EXPECT_EQ(Value("SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE "
                  "nspname LIKE 'public\\_%'"),
            "public_04_code");
  EXPECT_NE(active, "");
}

TEST_F(WorkflowCli, ValidateChangesNothing) {
  Init();
  Write("01_products.yaml", k01);
  ASSERT_EQ(Zs({"migrate", dir_.string(), "--complete"}).exit_code, 0);
  pg::Connection conn = Open(url_);
  MustRun(conn, "INSERT INTO products (name) VALUES ('tea'), ('coffee')");
  Write("02_price.yaml", k04 /* needs title: fails */);
  Write("03_ok.yaml", R"(operations:
  - add_column:
      table: products
      up: length(name)
      column: {name: name_length, type: integer, nullable: false}
  - rename_column:
      table: products
      from: name
      to: title
)");
  std::string before = Dump();

  ProcessRun ok = Zs({"validate", (dir_ / "03_ok.yaml").string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(
      ok.out.rfind(
          "ok: " + (dir_ / "03_ok.yaml").string() + ": migration \"03_ok\", 2 operations\n", 0),
      0u)
      << ok.out;
  EXPECT_NE(ok.out.find("version schema: public_03_ok"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("backfill: products"), std::string::npos) << ok.out;

  ProcessRun missing_column = Zs({"validate", (dir_ / "02_price.yaml").string()});
  EXPECT_EQ(missing_column.exit_code, 1);
  EXPECT_NE(missing_column.err.find("02_price.yaml:2:"), std::string::npos) << missing_column.err;
  EXPECT_NE(missing_column.err.find("title"), std::string::npos) << missing_column.err;

  Write("04_type.yaml",
        "operations:\n  - add_column:\n      table: products\n      column: "
        "{name: x, type: no_such_type, nullable: true}\n");
  ProcessRun bad_type = Zs({"validate", (dir_ / "04_type.yaml").string()});
  EXPECT_EQ(bad_type.exit_code, 1);
  EXPECT_NE(bad_type.err.find("no_such_type"), std::string::npos) << bad_type.err;

  Write("05_exists.yaml",
        "operations:\n  - add_column:\n      table: products\n      column: "
        "{name: name, type: text, nullable: true}\n");
  ProcessRun exists = Zs({"validate", (dir_ / "05_exists.yaml").string()});
  EXPECT_EQ(exists.exit_code, 1) << "an invalid migration exits 1, not 3";
  EXPECT_NE(exists.err.find("already exists"), std::string::npos) << exists.err;

  Write("06_expr.yaml",
        "operations:\n  - add_column:\n      table: products\n      up: "
        "nosuchcol + 1\n      column: {name: y, type: integer, nullable: true}\n");
  ProcessRun expr = Zs({"validate", (dir_ / "06_expr.yaml").string()});
  EXPECT_EQ(expr.exit_code, 1);
  EXPECT_NE(expr.err.find("nosuchcol"), std::string::npos) << expr.err;

  Write("07_syntax.yaml",
        "operations:\n  - add_column:\n      table: products\n      up: "
        "\"1; DROP TABLE products\"\n      column: {name: z, type: integer, "
        "nullable: true}\n");
  ProcessRun injection = Zs({"validate", (dir_ / "07_syntax.yaml").string()});
  EXPECT_EQ(injection.exit_code, 1);

  ProcessRun unparsable = Zs({"validate", (dir_ / "nope.yaml").string()});
  EXPECT_EQ(unparsable.exit_code, 1);
  EXPECT_NE(unparsable.err.find("nope.yaml"), std::string::npos);

  EXPECT_EQ(Dump(), before) << "validate changed the catalog";
}

// Operations after raw SQL may use what it created: validate and plan stop
// there (they used to crash), start plans them after the SQL ran, and a
// start that fails after the SQL still rolls back every operation that ran.
TEST_F(WorkflowCli, OperationsAfterRawSqlOnWhatItCreated) {
  Init();
  constexpr const char* kSqlThenAdd = R"yaml(operations:
  - sql:
      up: CREATE TABLE gadgets (id int PRIMARY KEY, name text)
      down: DROP TABLE gadgets
  - add_column:
      table: gadgets
      up: upper(name)
      column: {name: code, type: text, nullable: true}
)yaml";
  Write("01_gadgets.yaml", kSqlThenAdd);
  Write("02_broken.yaml", std::string(kSqlThenAdd) + R"yaml(  - add_column:
      table: widgets
      column: {name: extra, type: text, nullable: true}
  - add_column:
      table: nosuch
      column: {name: x, type: text, nullable: true}
)yaml");
  {
    pg::Connection conn = Open(url_);
    MustRun(conn, "CREATE TABLE widgets (id int PRIMARY KEY)");
  }
  std::string before = Dump();
  ProcessRun validate = Zs({"validate", (dir_ / "01_gadgets.yaml").string()});
  EXPECT_EQ(validate.exit_code, 0) << validate.err;
  EXPECT_NE(validate.out.find("note: the operations after the sql operation"), std::string::npos)
      << validate.out;
  ProcessRun plan = Zs({"plan", (dir_ / "01_gadgets.yaml").string()});
  EXPECT_EQ(plan.exit_code, 0) << plan.err;

  ProcessRun broken = Zs({"start", (dir_ / "02_broken.yaml").string()});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("\"nosuch\""), std::string::npos) << broken.err;
  // The rehearsal runs the SQL, then finds `nosuch`, in a transaction that is
  // rolled back: the start is refused before anything runs.
  EXPECT_EQ(Dump(), before) << "a start refused by its rehearsal left something behind";
  EXPECT_NE(Zs({"rollback"}).err.find("no migration is active"), std::string::npos);

  ProcessRun start = Zs({"start", (dir_ / "01_gadgets.yaml").string(), "--complete"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(Value("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                  "information_schema.columns WHERE table_schema = 'public' AND table_name = "
                  "'gadgets'"),
            "id,name,code");
}

// plan DIR and validate DIR: the migrations migrate would apply next, in
// order, each on the schema the ones before it leave; nothing changes.
TEST_F(WorkflowCli, PlanAndValidateADirectoryCoverItsPendingMigrations) {
  Init();
  Write("01_products.yaml", k01);
  ASSERT_EQ(Zs({"migrate", dir_.string(), "--complete"}).exit_code, 0);
  Write("02_price.yaml", k02);
  Write("03_rename.yaml", k03);
  Write("04_code.yaml", k04);  // upper(title): only valid after 03's rename
  std::string before = Dump();

  ProcessRun plan = Zs({"plan", dir_.string()});
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("3 pending migrations in " + dir_.string() + ": 02_price"),
            std::string::npos)
      << plan.out;
  EXPECT_EQ(plan.out.find("01_products ("), std::string::npos) << "01 is applied: " << plan.out;
  EXPECT_NE(plan.out.find("price"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("NEW.\"code\" := (upper("), std::string::npos) << plan.out;

  ProcessRun ok = Zs({"validate", dir_.string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out.rfind("ok: 3 pending migrations in " + dir_.string(), 0), 0u) << ok.out;

  // A pending migration that does not fit what the ones before it leave.
  Write("05_broken.yaml", R"(operations:
  - add_column:
      table: products
      up: upper(name)
      column: {name: shout, type: text, nullable: true}
)");
  ProcessRun broken = Zs({"validate", dir_.string()});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("05_broken.yaml:"), std::string::npos) << broken.err;
  EXPECT_EQ(Dump(), before) << "plan or validate of a directory changed the catalog";

  fs::remove(dir_ / "05_broken.yaml");
  ASSERT_EQ(Zs({"migrate", dir_.string(), "--complete"}).exit_code, 0);
  ProcessRun nothing = Zs({"validate", dir_.string()});
  EXPECT_EQ(nothing.exit_code, 0) << nothing.err;
  EXPECT_NE(nothing.out.find("nothing pending"), std::string::npos) << nothing.out;
  ProcessRun nothing_plan = Zs({"plan", dir_.string()});
  EXPECT_EQ(nothing_plan.exit_code, 0) << nothing_plan.err;
  EXPECT_NE(nothing_plan.out.find("nothing pending"), std::string::npos) << nothing_plan.out;
}

// backfill pause/resume/tune: JSON for scripts (a pipe, or --json), a sentence
// on a terminal (`script` gives the binary one).
TEST_F(WorkflowCli, BackfillControlSpeaksToATerminalAndJsonToScripts) {
  Init();
  Write("01_products.yaml", k01);
  Write("02_price.yaml", k02);
  ASSERT_EQ(Zs({"migrate", dir_.string()}).exit_code, 0);  // 02 left active

  ProcessRun piped = Zs({"backfill", "pause"});
  EXPECT_EQ(piped.exit_code, 0) << piped.err;
  nlohmann::json control = nlohmann::json::parse(piped.out);
  EXPECT_EQ(control["paused"], true);
  ProcessRun json = Zs({"backfill", "tune", "--batch-size", "500", "--json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)["batch_size"], 500);

  if (std::system("command -v script >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "script (util-linux) is not installed: no terminal to test with";
  }
  fs::path out = root_ / "terminal.out";
  std::string command =
      fmt::format("{} backfill tune --delay 100 --postgres-url {}",
                  zs::testing::ShellQuote(ZS_BINARY), zs::testing::ShellQuote(url_));
  int status = std::system(fmt::format("script -qec {} /dev/null </dev/null >{} 2>&1",
                                       zs::testing::ShellQuote(command),
                                       zs::testing::ShellQuote(out.string()))
                               .c_str());
  EXPECT_EQ(status, 0);
  std::string text = zs::testing::ReadFile(out);
  EXPECT_NE(text.find("paused; fixed batches of 500 rows, 100 ms apart"), std::string::npos)
      << text;
  EXPECT_EQ(text.find('{'), std::string::npos) << text;
}

TEST_F(WorkflowCli, LatestFromTheDatabaseAndFromADirectory) {
  Init();
  ProcessRun none = Zs({"latest", "migration"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("no migration"), std::string::npos) << none.err;
  Write("01_products.yaml", k01);
  Write("02_price.yaml", std::string("version_schema: v2\n") + k02);
  EXPECT_EQ(Zs({"latest", "schema", "--local", dir_.string()}).out, "public_v2\n");
  EXPECT_EQ(Zs({"latest", "--local", dir_.string()}).out, "public_v2\n");
  EXPECT_EQ(Zs({"latest", "migration", "--local", dir_.string()}).out, "02_price\n");
  EXPECT_EQ(Zs({"--schema", "app", "latest", "schema", "--local", dir_.string()}).out, "app_v2\n");
  ASSERT_EQ(Zs({"migrate", dir_.string()}).exit_code, 0);
  EXPECT_EQ(Zs({"latest", "schema"}).out, "public_v2\n");
  EXPECT_EQ(Zs({"latest", "migration"}).out, "02_price\n");
  ProcessRun empty = Zs({"latest", "--local", (root_ / "empty").string()});
  EXPECT_EQ(empty.exit_code, 1);
}

TEST_F(WorkflowCli, PullWritesTheHistoryBack) {
  Init();
  Write("01_products.yaml", k01);
  Write("02_price.yaml", k02);
  Write("03_title.yaml", k03);
  ASSERT_EQ(Zs({"migrate", dir_.string(), "--complete"}).exit_code, 0);

  fs::path yaml = root_ / "yaml";
  ProcessRun pull = Zs({"pull", yaml.string()});
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  EXPECT_EQ(pull.out, fmt::format("wrote {0}/01_products.yaml\nwrote {0}/02_price.yaml\nwrote "
                                  "{0}/03_title.yaml\n",
                                  yaml.string()));
  ProcessRun twice = Zs({"pull", yaml.string()});
  EXPECT_EQ(twice.exit_code, 0) << twice.err;
  EXPECT_NE(twice.out.find("already has every migration"), std::string::npos) << twice.out;

  fs::path prefixed = root_ / "prefixed";
  ASSERT_EQ(Zs({"pull", prefixed.string(), "--with-prefixes", "--json"}).exit_code, 0);
  EXPECT_TRUE(fs::exists(prefixed / "0001_01_products.json"));
  EXPECT_TRUE(fs::exists(prefixed / "0003_03_title.json"));
  // A partly filled directory gets only what it lacks, at its history position.
  fs::path partial = root_ / "partial";
  fs::create_directories(partial);
  Write("01_products.yaml", k01, partial);
  ASSERT_EQ(Zs({"pull", partial.string(), "-p"}).exit_code, 0);
  EXPECT_TRUE(fs::exists(partial / "0002_02_price.yaml"));
  EXPECT_FALSE(fs::exists(partial / "0001_01_products.yaml"));

  // Each pulled directory migrates a fresh database to the same schema.
  std::string schema_sql =
      "SELECT string_agg(column_name || ' ' || data_type, ',' ORDER BY ordinal_position) FROM "
      "information_schema.columns WHERE table_schema = 'public' AND table_name = 'products'";
  std::string expected = Value(schema_sql);
  for (const fs::path& dir : {yaml, prefixed}) {
    url_ = zs::testing::FreshDatabaseUrl();
    Init();
    ProcessRun replay = Zs({"migrate", dir.string(), "--complete"});
    ASSERT_EQ(replay.exit_code, 0) << dir << ": " << replay.err;
    EXPECT_EQ(Value(schema_sql), expected) << dir;
    EXPECT_EQ(Zs({"latest", "migration"}).out, "03_title\n");
  }
}

TEST_F(WorkflowCli, PullNeedsInit) {
  ProcessRun pull = Zs({"pull", (root_ / "x").string()});
  EXPECT_EQ(pull.exit_code, 1);
  EXPECT_NE(pull.err.find("zeroshift init"), std::string::npos) << pull.err;
}

TEST_F(WorkflowCli, BaselineRecordsTheCurrentSchema) {
  pg::Connection conn = Open(url_);
  MustRun(conn,
          "CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL);"
          "INSERT INTO products VALUES (1, 'tea')");
  Init();
  std::string before = Dump();
  ProcessRun baseline = Zs({"baseline", "01_initial", dir_.string()});
  ASSERT_EQ(baseline.exit_code, 0) << baseline.err;
  // Then the search_path old clients keep: init's baseline version.
  EXPECT_EQ(
      baseline.out,
      fmt::format(
          "recorded baseline 01_initial of schema \"public\"; wrote {}\nold clients: "
          "SET search_path TO \"public_baseline\", \"public\" (its shape stays as recorded until "
          "the next migration completes)\n",
          (dir_ / "01_initial.yaml").string()));
  auto file = migration::LoadMigrationFile((dir_ / "01_initial.yaml").string());
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->name, "01_initial");
  EXPECT_TRUE(file->operations.empty());
  // No DDL: only the history row is new (public_baseline is init's).
  EXPECT_EQ(Value("SELECT string_agg(nspname, ',') FROM pg_namespace WHERE nspname LIKE "
                  "'public\\_%'"),
            "public_baseline");
  EXPECT_EQ(Value("SELECT baseline::text || ' ' || done::text || ' ' || (live_schema -> "
                  "'tables' -> 0 ->> 'name') FROM zeroshift.migrations"),
            "true true products");
  EXPECT_EQ(Zs({"latest", "migration"}).out, "01_initial\n");
  EXPECT_EQ(Zs({"latest", "schema"}).out, "public\n") << "a baseline has no version schema";
  EXPECT_EQ(Zs({"drift"}).exit_code, 0);

  // Later migrations build on it; the baseline itself never runs.
  Write("02_price.yaml", k02);
  ProcessRun migrate = Zs({"migrate", dir_.string(), "--complete"});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  EXPECT_EQ(migrate.out, "applied 02_price\n");

  // A second baseline restarts the history: only with --yes; the files before
  // it in the directory are then part of it.
  ProcessRun refused = Zs({"baseline", "03_rebase", dir_.string()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("--yes"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(dir_ / "03_rebase.yaml")) << "a refused baseline wrote its file";
  ASSERT_EQ(Zs({"baseline", "03_rebase", dir_.string(), "--yes"}).exit_code, 0);
  Write("04_title.yaml", k03);
  ProcessRun after = Zs({"migrate", dir_.string(), "--complete"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out, "applied 04_title\n");
  fs::path pulled = root_ / "pulled";
  ASSERT_EQ(Zs({"pull", pulled.string()}).exit_code, 0);
  EXPECT_FALSE(fs::exists(pulled / "02_price.yaml")) << "pull went past the latest baseline";
  EXPECT_TRUE(fs::exists(pulled / "03_rebase.yaml"));
  EXPECT_TRUE(fs::exists(pulled / "04_title.yaml"));

  ProcessRun same_name = Zs({"baseline", "04_title", (root_ / "other").string(), "--yes"});
  EXPECT_EQ(same_name.exit_code, 3);
  EXPECT_FALSE(fs::exists(root_ / "other" / "04_title.yaml"));
  EXPECT_NE(before, "");
}

TEST_F(WorkflowCli, DriftReportsExactlyTheOutOfBandChange) {
  Init();
  Write("01_products.yaml", k01);
  Write("02_price.yaml", k02);
  ASSERT_EQ(Zs({"migrate", dir_.string(), "--complete"}).exit_code, 0);
  ProcessRun clean = Zs({"drift"});
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_NE(clean.out.find("no drift"), std::string::npos) << clean.out;

  // While a migration is active, its start is the reference.
  Write("03_title.yaml", k03);
  Write("04_code.yaml", k04);
  ASSERT_EQ(Zs({"migrate", dir_.string()}).exit_code, 0);
  ProcessRun active = Zs({"drift"});
  EXPECT_EQ(active.exit_code, 0) << active.out << active.err;
  EXPECT_NE(active.out.find("after its start"), std::string::npos) << active.out;
  ASSERT_EQ(Zs({"complete"}).exit_code, 0);
  EXPECT_EQ(Zs({"drift"}).exit_code, 0);

  pg::Connection conn = Open(url_);
  // (A type change is refused by PostgreSQL: the version schema's view uses the column.)
  MustRun(conn, "ALTER TABLE products ALTER COLUMN price SET DEFAULT 0");
  MustRun(conn, "ALTER TABLE products ADD COLUMN note text DEFAULT 'n/a'");
  ProcessRun drift = Zs({"drift"});
  EXPECT_EQ(drift.exit_code, 1);
  EXPECT_EQ(drift.out,
            "schema \"public\" compared with migration 04_code (recorded after its complete): 2 "
            "differences\n"
            "  column products.price: default changed: recorded (none), live 0\n"
            "  column products.note: added outside the migrations (live: text DEFAULT "
            "'n/a'::text)\n");
  EXPECT_NE(drift.err.find("drifted"), std::string::npos) << drift.err;

  ProcessRun json = Zs({"drift", "--json"});
  EXPECT_EQ(json.exit_code, 1);
  auto parsed = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << json.out;
  EXPECT_EQ(parsed["drift"], true);
  ASSERT_EQ(parsed["differences"].size(), 2u);
  EXPECT_EQ(parsed["differences"][0]["field"], "default");
  EXPECT_EQ(parsed["differences"][1]["change"], "added");

  MustRun(conn,
          "ALTER TABLE products DROP COLUMN note; CREATE INDEX products_price ON products "
          "(price); ALTER TABLE products ALTER COLUMN price DROP DEFAULT");
  ProcessRun index = Zs({"drift"});
  EXPECT_EQ(index.exit_code, 1);
  EXPECT_NE(index.out.find("1 difference\n  index products.products_price: added outside the "
                           "migrations (live: CREATE INDEX products_price ON public.products "
                           "USING btree (price))\n"),
            std::string::npos)
      << index.out;
}

TEST_F(WorkflowCli, DriftWithoutHistory) {
  Init();
  ProcessRun drift = Zs({"drift"});
  EXPECT_EQ(drift.exit_code, 1);
  EXPECT_NE(drift.err.find("history of this schema is empty"), std::string::npos) << drift.err;
}

}  // namespace
}  // namespace zs::cli
