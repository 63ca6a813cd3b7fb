// Writes that must survive the migration's own machinery (SAFETY.md
// invariants 1 and 5): the backfill never runs `up` over a row a client wrote
// after the triggers existed, a write to the raw table with the
// zeroshift.version setting keeps its value, the table's own triggers do not
// fire for the backfill and do fire for the client writes they fired for
// before. Clients connect as an application role with table grants only.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include <fmt/format.h>

#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "migration/parser.h"
#include "pg/connection.h"
#include "pg/quote.h"
#include "testing/seed_migration.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::engine {
namespace {

using zs::testing::MustParseMigration;
using zs::testing::MustRun;
using zs::testing::Open;

class WriteSafety : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    admin_.emplace(Open(url_));
    // Roles are cluster-wide: one per database, so tests never share one.
    std::string db = Value("SELECT current_database()");
    role_ = "app_" + db;
    MustRun(*admin_, fmt::format("CREATE ROLE {} LOGIN", pg::QuoteIdent(role_)));
  }

  // A client as the application role, with `setup` run first (search_path...).
  pg::Connection Client(const std::string& setup) {
    std::string url = url_;
    url.replace(url.find("postgres@"), 9, role_ + "@");
    pg::Connection conn = Open(url);
    if (!setup.empty()) MustRun(conn, setup);
    return conn;
  }

  // Table and version-schema grants an application role would have.
  void GrantApp(const std::string& table, const std::string& version_schema = "") {
    MustRun(*admin_, fmt::format("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}", table,
                                 pg::QuoteIdent(role_)));
    MustRun(*admin_, fmt::format("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {}",
                                 pg::QuoteIdent(role_)));
    if (version_schema.empty()) return;
    MustRun(*admin_, fmt::format("GRANT USAGE ON SCHEMA {0} TO {1}; GRANT SELECT, INSERT, UPDATE, "
                                 "DELETE ON ALL TABLES IN SCHEMA {0} TO {1}",
                                 pg::QuoteIdent(version_schema), pg::QuoteIdent(role_)));
  }

  Engine MakeEngine(Options options = {}) {
    options.backfill.batch_size = 10;
    return test_util::MustConnectAndInit(url_, std::move(options));
  }

  // accounts(id, email text <email_constraint>) with 20 rows, granted to the
  // application role, and an alter_column of email to varchar(100) (up
  // lower(email), down `down`) started from `file`, whose version schema
  // public_<name> the role may use.
  void StartAlterEmail(Engine& engine, const std::string& email_constraint, const std::string& down,
                       const std::string& file) {
    MustRun(*admin_, fmt::format("CREATE TABLE accounts (id bigserial PRIMARY KEY, email text {});"
                                 "INSERT INTO accounts (email) SELECT 'User' || i || "
                                 "'@Example.com' FROM generate_series(1, 20) i",
                                 email_constraint));
    GrantApp("accounts");
    Status started = engine.Start(MustParseMigration(fmt::format(R"yaml(operations:
  - alter_column:
      table: accounts
      column: email
      type: varchar(100)
      up: lower(email)
      down: {}
)yaml",
                                                                 down),
                                                     file));
    ASSERT_TRUE(started.ok()) << started.ToString();
    GrantApp("accounts", "public_" + file.substr(0, file.find(".yaml")));
  }

  std::string Value(const std::string& sql) { return Value(*admin_, sql); }
  static std::string Value(pg::Connection& conn, const std::string& sql) {
    Result<pg::Rows> rows = conn.Exec(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    if (!rows.ok() || rows->empty()) return "<none>";
    return rows->IsNull(0, 0) ? "NULL" : rows->Get(0, 0);
  }

  std::string url_;
  std::string role_;
  std::optional<pg::Connection> admin_;
};

// 19.2: with the new version live while the backfill runs, a new-version
// write of first_name / last_name is kept: the backfill used to run `up` over
// the `down` result and turn 'Mary Ann' 'Smith' into 'Mary' 'Ann'.
TEST_F(WriteSafety, BackfillKeepsRowsWrittenThroughTheNewVersion) {
  MustRun(*admin_,
          "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);"
          "INSERT INTO users (name) SELECT 'First' || i || ' Last' || i FROM "
          "generate_series(1, 60) i;"
          // no key: the ctid walk
          "CREATE TABLE notes (body text);"
          "INSERT INTO notes SELECT 'note ' || i FROM generate_series(1, 60) i;");
  GrantApp("users");
  GrantApp("notes");
  const std::string version = "public_19_2";
  Options options;
  bool wrote = false;
  options.on_phase = [&](std::string_view phase) {
    if (phase != "backfill" || wrote) return;
    wrote = true;
    GrantApp("users", version);
    pg::Connection client = Client("SET search_path TO " + version);
    MustRun(client,
            "UPDATE users SET first_name = 'Mary Ann', last_name = 'Smith' WHERE id = 50;"
            "INSERT INTO users (first_name, last_name) VALUES ('Jo Anne', 'Brown');"
            "UPDATE notes SET title = 'kept title' WHERE body = 'note 55'");
  };
  Engine engine = MakeEngine(std::move(options));
  std::string yaml = std::string(zs::testing::kSplitNameYaml) + R"yaml(  - add_column:
      table: notes
      up: upper(body)
      column: {name: title, type: text, nullable: true}
)yaml";
  Status started = engine.Start(MustParseMigration(yaml, "19_2.yaml"));
  ASSERT_TRUE(started.ok()) << started.ToString();
  ASSERT_TRUE(wrote);
  EXPECT_EQ(Value("SELECT first_name || '|' || last_name || '|' || name FROM users WHERE id = 50"),
            "Mary Ann|Smith|Mary Ann Smith");
  EXPECT_EQ(Value("SELECT first_name || '|' || last_name FROM users WHERE name = 'Jo Anne Brown'"),
            "Jo Anne|Brown");
  EXPECT_EQ(Value("SELECT title FROM notes WHERE body = 'note 55'"), "kept title");
  // Every other row was backfilled.
  EXPECT_EQ(Value("SELECT count(*) FROM users WHERE first_name IS NULL"), "0");
  EXPECT_EQ(Value("SELECT count(*) FROM notes WHERE title IS NULL"), "0");
  EXPECT_EQ(Value("SELECT title FROM notes WHERE body = 'note 7'"), "NOTE 7");
  // The marker goes with the triggers, at complete.
  Status completed = engine.Complete();
  ASSERT_TRUE(completed.ok()) << completed.ToString();
  EXPECT_EQ(Value("SELECT first_name || '|' || last_name FROM users WHERE id = 50"),
            "Mary Ann|Smith");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_attribute WHERE attname LIKE '\\_zs\\_%' AND NOT "
                  "attisdropped"),
            "0");
}

// The marker column is dropped at rollback too, and a table that already has
// a column of its name is refused before anything runs.
TEST_F(WriteSafety, MarkerColumnIsRecordedAndCollisionChecked) {
  MustRun(*admin_,
          "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);"
          "INSERT INTO users (name) VALUES ('Ada Lovelace')");
  Engine engine = MakeEngine();
  ASSERT_TRUE(engine.Start(test_util::SplitName()).ok());
  EXPECT_EQ(Value("SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND "
                  "attname = '_zs_synced'"),
            "1");
  Status rolled_back = engine.Rollback();
  ASSERT_TRUE(rolled_back.ok()) << rolled_back.ToString();
  EXPECT_EQ(Value("SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND "
                  "attname = '_zs_synced' AND NOT attisdropped"),
            "0");
  MustRun(*admin_, "ALTER TABLE users ADD COLUMN _zs_synced boolean");
  Status refused = engine.Start(test_util::SplitName());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("_zs_synced"), std::string::npos) << refused.message();
  EXPECT_EQ(Value("SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND NOT "
                  "attisdropped AND attnum > 0"),
            "3");
}

// 20.2: a client with SET zeroshift.version and search_path public writes the
// raw table in the old shape. Its UPDATE used to be overwritten by `down`
// with the temporary column's value, its INSERT failed on NOT NULL.
TEST_F(WriteSafety, SelectorSettingOnTheRawTableKeepsTheWrite) {
  Engine engine = MakeEngine();
  const std::string version = "public_20_2";
  StartAlterEmail(engine, "NOT NULL", "email", "20_2.yaml");
  pg::Connection raw =
      Client("SET search_path TO public; SET zeroshift.version = '" + version + "'");
  MustRun(raw, "UPDATE accounts SET email = 'Changed@Example.com' WHERE id = 3");
  EXPECT_EQ(Value(raw, "SELECT email FROM accounts WHERE id = 3"), "Changed@Example.com");
  // An INSERT that sets the old column and leaves the new one NULL is old-shape too.
  MustRun(raw, "INSERT INTO accounts (email) VALUES ('Inserted@Example.com')");
  EXPECT_EQ(Value(raw, "SELECT count(*) FROM accounts WHERE email = 'Inserted@Example.com'"), "1");
  // The new version sees both writes through `up`.
  pg::Connection fresh = Client("SET search_path TO " + version);
  EXPECT_EQ(Value(fresh, "SELECT email FROM accounts WHERE id = 3"), "changed@example.com");
  EXPECT_EQ(Value(fresh, "SELECT count(*) FROM accounts WHERE email = 'inserted@example.com'"),
            "1");
  // A new-version client is still a new-version client.
  MustRun(fresh, "UPDATE accounts SET email = 'new@example.com' WHERE id = 4");
  EXPECT_EQ(Value("SELECT email FROM accounts WHERE id = 4"), "new@example.com");
  Status completed = engine.Complete();
  ASSERT_TRUE(completed.ok()) << completed.ToString();
  EXPECT_EQ(Value("SELECT email FROM accounts WHERE id = 3"), "changed@example.com");
}

// 20.2: a raw-table INSERT under the selector used to store what `down`
// made of the new column (NULL where the old column allows it, its default
// otherwise). Both shapes keep the client's value, with a nullable old column
// and with one that has a constant default; an INSERT through the new
// version (which leaves the old column at its default) still goes through
// `down`.
TEST_F(WriteSafety, SelectorSettingOnARawInsertKeepsTheValue) {
  for (const char* email_default : {"", "DEFAULT 'nobody@example.com'"}) {
    SCOPED_TRACE(email_default);
    SetUp();  // a database of its own
    Engine engine = MakeEngine();
    const std::string version = "public_20_2b";
    StartAlterEmail(engine, email_default, "upper(email)", "20_2b.yaml");
    pg::Connection raw =
        Client("SET search_path TO public; SET zeroshift.version = '" + version + "'");
    MustRun(raw, "INSERT INTO accounts (id, email) VALUES (100, 'Raw@Example.com')");
    EXPECT_EQ(Value("SELECT email FROM accounts WHERE id = 100"), "Raw@Example.com");
    pg::Connection fresh = Client("SET search_path TO " + version);
    EXPECT_EQ(Value(fresh, "SELECT email FROM accounts WHERE id = 100"), "raw@example.com");
    MustRun(fresh, "INSERT INTO accounts (id, email) VALUES (101, 'new@example.com')");
    EXPECT_EQ(Value("SELECT email FROM accounts WHERE id = 101"), "NEW@EXAMPLE.COM");
    ASSERT_TRUE(engine.Complete().ok());
    EXPECT_EQ(Value("SELECT email FROM accounts WHERE id = 100"), "raw@example.com");
  }
}

// 19.4: the backfill does not fire the table's own UPDATE triggers: an
// `updated_at`-style trigger used to rewrite every row.
TEST_F(WriteSafety, BackfillDoesNotFireUserTriggers) {
  MustRun(*admin_, R"sql(
CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL, writes int NOT NULL DEFAULT 0);
CREATE FUNCTION count_writes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.writes := OLD.writes + 1; RETURN NEW; END $$;
CREATE TRIGGER count_writes BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION count_writes();
INSERT INTO users (name) SELECT 'First' || i || ' Last' || i FROM generate_series(1, 30) i;
)sql");
  GrantApp("users");
  Engine engine = MakeEngine();
  Status started = engine.Start(test_util::SplitName());
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_EQ(Value("SELECT count(*) FROM users WHERE first_name IS NULL"), "0");
  EXPECT_EQ(Value("SELECT sum(writes) FROM users"), "0");
  // Client writes from either version still fire it.
  pg::Connection old_client = Client("SET search_path TO public");
  MustRun(old_client, "UPDATE users SET name = 'Grace Hopper' WHERE id = 1");
  GrantApp("users", "public_02_split_name");
  pg::Connection new_client = Client("SET search_path TO public_02_split_name");
  MustRun(new_client, "UPDATE users SET last_name = 'Turing' WHERE id = 2");
  EXPECT_EQ(Value("SELECT writes FROM users WHERE id = 1"), "1");
  EXPECT_EQ(Value("SELECT writes FROM users WHERE id = 2"), "1");
  ASSERT_TRUE(engine.Rollback().ok());
  EXPECT_EQ(Value("SELECT sum(writes) FROM users"), "2");
}

// 19.4: the table's own BEFORE triggers run before zeroshift's, so `up`
// reads the row they leave: a trigger that normalises `name` (its name sorts
// after "_zs_", where zeroshift's trigger used to be) used to leave
// first_name un-normalised.
TEST_F(WriteSafety, UserBeforeTriggersRunBeforeUp) {
  MustRun(*admin_, R"sql(
CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE FUNCTION tidy_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.name := initcap(NEW.name); RETURN NEW; END $$;
CREATE TRIGGER tidy_name BEFORE INSERT OR UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION tidy_name();
INSERT INTO users (name) SELECT 'First' || i || ' Last' || i FROM generate_series(1, 5) i;
)sql");
  GrantApp("users");
  Engine engine = MakeEngine();
  Status started = engine.Start(test_util::SplitName());
  ASSERT_TRUE(started.ok()) << started.ToString();
  pg::Connection old_client = Client("SET search_path TO public");
  MustRun(old_client,
          "UPDATE users SET name = 'ada lovelace' WHERE id = 1;"
          "INSERT INTO users (name) VALUES ('grace hopper')");
  EXPECT_EQ(Value("SELECT name || '|' || first_name FROM users WHERE id = 1"), "Ada Lovelace|Ada");
  EXPECT_EQ(Value("SELECT first_name FROM users WHERE name = 'Grace Hopper'"), "Grace");
  ASSERT_TRUE(engine.Rollback().ok());
}

// 19.4: a user BEFORE trigger that would still fire after zeroshift's (its
// name sorts after '~') is refused before anything runs, with its name.
TEST_F(WriteSafety, UserBeforeTriggerSortingAfterOursIsRefused) {
  MustRun(*admin_, R"sql(
CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE FUNCTION tidy_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.name := initcap(NEW.name); RETURN NEW; END $$;
CREATE TRIGGER "ätidy" BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION tidy_name();
CREATE TRIGGER "~~tidy" BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION tidy_name();
CREATE TRIGGER "~~after" AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION tidy_name();
INSERT INTO users (name) VALUES ('ada lovelace');
)sql");
  Engine engine = MakeEngine();
  Status refused = engine.Start(test_util::SplitName());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("\"ätidy\" on users"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("\"~~tidy\" on users"), std::string::npos);
  EXPECT_EQ(refused.message().find("~~after"), std::string::npos) << "AFTER triggers do not count";
  EXPECT_NE(refused.message().find("02_split_name.yaml"), std::string::npos);
  EXPECT_EQ(Value("SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND "
                  "attnum > 0 AND NOT attisdropped"),
            "2");
  MustRun(*admin_,
          "ALTER TRIGGER \"ätidy\" ON users RENAME TO tidy_update;"
          "ALTER TRIGGER \"~~tidy\" ON users RENAME TO tidy_insert");
  Status started = engine.Start(test_util::SplitName());
  ASSERT_TRUE(started.ok()) << started.ToString();
}

// 19.4: a role that may not set session_replication_role is refused before
// anything runs when the table has user UPDATE triggers, naming them; the
// opt-in lets them fire.
TEST_F(WriteSafety, UserTriggersWithoutReplicaRoleAreRefusedUnlessOptedIn) {
  std::string owner = role_ + "_owner";
  MustRun(*admin_,
          fmt::format(R"sql(
CREATE ROLE {0} LOGIN;
GRANT CREATE ON DATABASE {1} TO {0};
GRANT ALL ON SCHEMA public TO {0};
SET ROLE {0};
CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL, writes int NOT NULL DEFAULT 0);
CREATE FUNCTION count_writes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.writes := OLD.writes + 1; RETURN NEW; END $$;
CREATE TRIGGER count_writes BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION count_writes();
INSERT INTO users (name) SELECT 'First' || i || ' Last' || i FROM generate_series(1, 5) i;
RESET ROLE;
)sql",
                      pg::QuoteIdent(owner), pg::QuoteIdent(Value("SELECT current_database()"))));
  // zeroshift init as the superuser, then the owner runs the migration.
  MakeEngine();
  MustRun(*admin_, fmt::format("GRANT ALL ON SCHEMA zeroshift TO {0}; GRANT ALL ON ALL TABLES IN "
                               "SCHEMA zeroshift TO {0}; GRANT ALL ON ALL SEQUENCES IN SCHEMA "
                               "zeroshift TO {0}",
                               pg::QuoteIdent(owner)));
  std::string owner_url = url_;
  owner_url.replace(owner_url.find("postgres@"), 9, owner + "@");
  {  // its session keeps the advisory lock until it is gone
    Result<Engine> engine = Engine::Connect(owner_url, Options{});
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    Status refused = engine->Start(test_util::SplitName());
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.message().find("count_writes"), std::string::npos) << refused.message();
    EXPECT_NE(refused.message().find("--backfill-fires-user-triggers"), std::string::npos);
    EXPECT_EQ(Value("SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND "
                    "attnum > 0 AND NOT attisdropped"),
              "3");
  }
  Options opt_in;
  opt_in.backfill.fire_user_triggers = true;
  Result<Engine> fires = Engine::Connect(owner_url, std::move(opt_in));
  ASSERT_TRUE(fires.ok());
  Status started = fires->Start(test_util::SplitName());
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_EQ(Value("SELECT sum(writes) FROM users"), "5");
}

// 20.3: a user trigger `AFTER UPDATE OF email` fires for the new version's
// writes of email too (they set the temporary column; email itself is set by
// the dual-write trigger, which UPDATE OF does not count), exactly once per
// write, and keeps doing so after complete.
TEST_F(WriteSafety, UpdateOfTriggersFireForNewVersionWrites) {
  MustRun(*admin_, R"sql(
CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL, note text);
CREATE TABLE audit (account bigint, email text);
CREATE FUNCTION audit_email() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO audit VALUES (NEW.id, NEW.email); RETURN NULL; END $$;
CREATE TRIGGER audit_email AFTER UPDATE OF email ON accounts
  FOR EACH ROW EXECUTE FUNCTION audit_email();
INSERT INTO accounts (email) SELECT 'user' || i || '@example.com' FROM generate_series(1, 10) i;
)sql");
  GrantApp("accounts");
  GrantApp("audit");
  Engine engine = MakeEngine();
  const std::string version = "public_20_3";
  std::string yaml = R"yaml(operations:
  - alter_column:
      table: accounts
      column: email
      type: varchar(200)
)yaml";
  Status started = engine.Start(MustParseMigration(yaml, "20_3.yaml"));
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_EQ(Value("SELECT count(*) FROM audit"), "0");  // not for the backfill
  GrantApp("accounts", version);
  pg::Connection fresh = Client("SET search_path TO " + version);
  pg::Connection old_client = Client("SET search_path TO public");
  MustRun(fresh, "UPDATE accounts SET email = 'new@example.com' WHERE id = 1");
  EXPECT_EQ(Value("SELECT string_agg(account || ' ' || email, ',') FROM audit"),
            "1 new@example.com");
  MustRun(old_client, "UPDATE accounts SET email = 'old@example.com' WHERE id = 2");
  MustRun(fresh, "UPDATE accounts SET note = 'no audit' WHERE id = 3");
  EXPECT_EQ(Value("SELECT string_agg(account || ' ' || email, ',' ORDER BY account) FROM audit"),
            "1 new@example.com,2 old@example.com");
  Status completed = engine.Complete();
  ASSERT_TRUE(completed.ok()) << completed.ToString();
  EXPECT_EQ(Value("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'accounts'::regclass AND NOT "
                  "tgisinternal"),
            "1");
  MustRun(old_client, "UPDATE accounts SET email = 'after@example.com' WHERE id = 4");
  EXPECT_EQ(Value("SELECT count(*) FROM audit"), "3");
}

// 20.3, rollback: the copy goes with the temporary column; the user's trigger stays.
TEST_F(WriteSafety, UpdateOfTriggerCopiesGoAtRollback) {
  MustRun(*admin_, R"sql(
CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER "Audit Email" BEFORE UPDATE OF email ON accounts
  FOR EACH ROW EXECUTE FUNCTION touch();
INSERT INTO accounts (email) VALUES ('a@example.com');
)sql");
  Engine engine = MakeEngine();
  ASSERT_TRUE(engine
                  .Start(MustParseMigration(R"yaml(operations:
  - alter_column:
      table: accounts
      column: email
      type: varchar(200)
)yaml",
                                            "20_3.yaml"))
                  .ok());
  EXPECT_EQ(Value("SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = "
                  "'accounts'::regclass AND NOT tgisinternal AND tgname NOT LIKE '~zs\\_%'"),
            "Audit Email,_zs_of_Audit Email");
  Status rolled_back = engine.Rollback();
  ASSERT_TRUE(rolled_back.ok()) << rolled_back.ToString();
  EXPECT_EQ(Value("SELECT string_agg(tgname, ',') FROM pg_trigger WHERE tgrelid = "
                  "'accounts'::regclass AND NOT tgisinternal"),
            "Audit Email");
}

// 19.3: a partitioned table with an alter_column: the version schema has no
// view of a partition (it showed the old column and held on to it, so
// complete failed); writes to a partition keep their values; complete works.
TEST_F(WriteSafety, PartitionedTableWritesAndComplete) {
  MustRun(*admin_, R"sql(
CREATE TABLE events (id bigint, region text, amount int NOT NULL, PRIMARY KEY (id, region))
  PARTITION BY LIST (region);
CREATE TABLE events_eu PARTITION OF events FOR VALUES IN ('eu');
CREATE TABLE events_us PARTITION OF events FOR VALUES IN ('us');
INSERT INTO events SELECT i, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END, i FROM generate_series(1, 20) i;
)sql");
  GrantApp("events");
  GrantApp("events_eu");
  Engine engine = MakeEngine();
  const std::string version = "public_19_3";
  Status started = engine.Start(MustParseMigration(R"yaml(operations:
  - alter_column:
      table: events
      column: amount
      type: bigint
      up: amount * 10
      down: (amount / 10)::int
)yaml",
                                                   "19_3.yaml"));
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_EQ(Value("SELECT count(*) FROM pg_views WHERE schemaname = '" + version + "'"), "1");
  GrantApp("events", version);
  pg::Connection fresh = Client("SET search_path TO " + version + ", public");
  MustRun(fresh, "UPDATE events SET amount = 420 WHERE id = 4");
  MustRun(fresh, "UPDATE events_eu SET amount = 7 WHERE id = 2");
  MustRun(fresh, "INSERT INTO events (id, region, amount) VALUES (100, 'eu', 50)");
  EXPECT_EQ(Value(fresh,
                  "SELECT string_agg(id || '=' || amount, ',' ORDER BY id) FROM events "
                  "WHERE id IN (2, 4, 100)"),
            "2=70,4=420,100=50");
  Status completed = engine.Complete();
  ASSERT_TRUE(completed.ok()) << completed.ToString();
  EXPECT_EQ(Value("SELECT string_agg(id || '=' || amount, ',' ORDER BY id) FROM events WHERE id "
                  "IN (2, 4, 100)"),
            "2=70,4=420,100=50");
}

}  // namespace
}  // namespace zs::engine
