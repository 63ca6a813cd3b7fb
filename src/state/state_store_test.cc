// The contract of the state store (state_store.h), one test body run against
// every backend: PostgreSQL (postgres_state_store.h) and MariaDB
// (mariadb_state_store.h), each on a real throwaway server.
#include "state/state_store.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "backend/mariadb_backend.h"
#include "backend/postgres_backend.h"
#include "state/load_migration.h"
#include "state/mariadb_state_store.h"
#include "state/state_test_util.h"
#include "testing/shared_cluster.h"
#include "testing/shared_mariadb.h"

namespace zs::state {
namespace {

// What a test needs of one backend beyond the interface: sessions on a fresh
// database, and raw SQL for the checks the interface does not offer.
struct StoreEnv {
  std::string url;
  std::string schema;    // the application schema the rows name
  std::string state_db;  // where the state tables are: zeroshift, or the test's database
  // The store of `session` (OpenStateStore, or on MariaDB a store on the
  // test's own database, since the state database is server-wide).
  std::function<std::unique_ptr<StateStore>(backend::Session&)> open_store;
  std::function<Result<std::unique_ptr<backend::Session>>()> connect;
  // The first value of the first row of `sql` (nullopt for none or NULL).
  std::function<Result<std::optional<std::string>>(backend::Session&, const std::string&)> query;
  // Runs a text a *Sql method returned, as its backend runs it.
  std::function<Status(backend::Session&, const std::string&)> run;
  std::string session_id_sql;  // the session's id, as the lock holder names it
};

StoreEnv PostgresEnv() {
  std::string url = zs::testing::FreshDatabaseUrl();
  return {
      .url = url,
      .schema = "public",
      .state_db = "zeroshift",
      .open_store = [](backend::Session& session) { return OpenStateStore(session); },
      .connect = [url] { return backend::Postgres().Connect(url); },
      .query = [](backend::Session& session,
                  const std::string& sql) -> Result<std::optional<std::string>> {
        ZS_ASSIGN_OR_RETURN(pg::Rows rows, backend::PostgresConnection(session).Exec(sql));
        if (rows.empty()) return std::optional<std::string>();
        return rows.GetOptional(0, 0);
      },
      .run = [](backend::Session& session,
                const std::string& sql) { return backend::PostgresConnection(session).Run(sql); },
      .session_id_sql = "SELECT pg_backend_pid()",
  };
}

StoreEnv MariadbEnv() {
  std::string url = zs::testing::FreshMariadbDatabaseUrl();
  std::string database = url.substr(url.rfind('/') + 1);
  return {
      .url = url,
      .schema = database,
      .state_db = database,
      .open_store = [database](backend::Session& session) -> std::unique_ptr<StateStore> {
        return std::make_unique<MariadbStateStore>(session, database);
      },
      .connect = [url]() -> Result<std::unique_ptr<backend::Session>> {
        ZS_ASSIGN_OR_RETURN(const backend::Backend* backend, backend::MariadbBackendForUrl(url));
        return backend->Connect(url);
      },
      .query = [](backend::Session& session,
                  const std::string& sql) -> Result<std::optional<std::string>> {
        ZS_ASSIGN_OR_RETURN(mysql::Rows rows, backend::MariadbConnection(session).Exec(sql));
        if (rows.empty()) return std::optional<std::string>();
        return rows.GetOptional(0, 0);
      },
      .run = [](backend::Session& session, const std::string& sql) -> Status {
        for (const std::string& statement : MariadbStatements(sql)) {
          ZS_RETURN_IF_ERROR(backend::MariadbConnection(session).Run(statement));
        }
        return Status::Ok();
      },
      .session_id_sql = "SELECT CONNECTION_ID()",
  };
}

struct BackendCase {
  const char* name;
  StoreEnv (*make)();
};
// CTest names each case with its printed parameter: the name, not the bytes
// of a function pointer (which differ from run to run).
void PrintTo(const BackendCase& backend_case, std::ostream* os) { *os << backend_case.name; }

using test_util::Text;
using test_util::Users;

nlohmann::json Json(const std::string& text) { return nlohmann::json::parse(text); }

class StateStoreContract : public ::testing::TestWithParam<BackendCase> {
 protected:
  void SetUp() override {
    env_ = GetParam().make();
    auto session = env_.connect();
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    session_ = std::move(session).value();
    store_ = env_.open_store(*session_);
  }

  void InitOrDie() {
    Status init = store_->Init();
    ASSERT_TRUE(init.ok()) << init.ToString();
  }

  MigrationRecord Active(const std::string& name) const {
    return {.schema = env_.schema,
            .name = name,
            .migration_json = R"({"operations":[{"sql":{"up":"SELECT 1"}}]})",
            .version_schema = env_.schema + "_" + name,
            .step = Step::kStarting,
            .snapshots = {Users("name"), Users("first_name")}};
  }

  MigrationRecord Done(const std::string& name) const {
    MigrationRecord record = Active(name);
    record.done = true;
    record.step = Step::kDone;
    record.resulting_schema = Users("name");
    return record;
  }

  // A state table, qualified and quoted by the backend.
  std::string Table(const std::string& table) const {
    const backend::Backend& backend = session_->backend();
    return backend.QuoteIdentifier(env_.state_db) + "." + backend.QuoteIdentifier(table);
  }

  std::string Lit(const std::string& value) const {
    return session_->backend().QuoteLiteral(value);
  }

  std::string SchemaColumn() const { return session_->backend().QuoteIdentifier("schema"); }

  std::optional<std::string> Query(const std::string& sql) {
    auto value = env_.query(*session_, sql);
    EXPECT_TRUE(value.ok()) << value.status().ToString();
    return value.ok() ? *value : std::nullopt;
  }

  StoreEnv env_;
  std::unique_ptr<backend::Session> session_;
  std::unique_ptr<StateStore> store_;
};

TEST_P(StateStoreContract, RequireInitializedSaysToRunInitAndInitRunsTwice) {
  Result<bool> initialized = store_->IsInitialized();
  ASSERT_TRUE(initialized.ok()) << initialized.status().ToString();
  EXPECT_FALSE(*initialized);
  Status required = store_->RequireInitialized();
  EXPECT_EQ(required.code(), Code::kNotFound);
  EXPECT_NE(required.message().find("run `zeroshift init` first"), std::string::npos)
      << required.ToString();
  EXPECT_NE(required.message().find("zeroshift"), std::string::npos);

  InitOrDie();
  InitOrDie();  // idempotent
  ASSERT_TRUE(store_->Upgrade().ok());
  EXPECT_TRUE(store_->RequireInitialized().ok());
  initialized = store_->IsInitialized();
  ASSERT_TRUE(initialized.ok() && *initialized);
}

TEST_P(StateStoreContract, MigrationRecordRoundTripsTyped) {
  InitOrDie();
  MigrationRecord record = Active("02_split");
  record.parent = "01_users";
  record.live_schema = Users("first_name");
  record.parts = {{.name = "02a", .migration_json = R"({"operations":[]})"},
                  {.name = "02_split", .migration_json = R"({"operations":[{"x":"it's \\ ok"}]})"}};
  ASSERT_TRUE(store_->Insert(record).ok());

  Result<std::optional<MigrationRecord>> loaded = LoadActiveMigration(*store_, env_.schema);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_TRUE(loaded->has_value());
  const MigrationRecord& got = **loaded;
  EXPECT_EQ(got.schema, env_.schema);
  EXPECT_EQ(got.name, "02_split");
  EXPECT_EQ(Json(got.migration_json), Json(record.migration_json));
  EXPECT_EQ(got.parent, std::optional<std::string>("01_users"));
  EXPECT_FALSE(got.done);
  EXPECT_EQ(got.version_schema, record.version_schema);
  EXPECT_EQ(got.step, Step::kStarting);
  ASSERT_EQ(got.snapshots.size(), 2u);
  EXPECT_EQ(Text(got.snapshots[0]), Text(Users("name")));
  EXPECT_EQ(Text(got.snapshots[1]), Text(Users("first_name")));
  EXPECT_FALSE(got.resulting_schema.has_value());
  ASSERT_TRUE(got.live_schema.has_value());
  EXPECT_EQ(Text(*got.live_schema), Text(Users("first_name")));
  EXPECT_FALSE(got.baseline);
  ASSERT_EQ(got.parts.size(), 2u);
  EXPECT_EQ(got.parts[0].name, "02a");
  EXPECT_EQ(got.parts[1].name, "02_split");
  EXPECT_EQ(Json(got.parts[1].migration_json), Json(record.parts[1].migration_json));
  EXPECT_EQ(got.actions_done, 0);
  EXPECT_FALSE(got.created_at.empty());
  EXPECT_FALSE(got.updated_at.empty());

  // Snapshots and the live schema are replaced in place.
  ASSERT_TRUE(store_->SetSnapshots(env_.schema, "02_split", {Users("email")}).ok());
  ASSERT_TRUE(store_->SetLiveSchema(env_.schema, "02_split", Users("email")).ok());
  loaded = LoadActiveMigration(*store_, env_.schema);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  ASSERT_EQ((*loaded)->snapshots.size(), 1u);
  EXPECT_EQ(Text((*loaded)->snapshots[0]), Text(Users("email")));
  EXPECT_EQ(Text(*(*loaded)->live_schema), Text(Users("email")));

  // A baseline row: no snapshots, no version schema.
  MigrationRecord baseline{.schema = "other",
                           .name = "00_base",
                           .migration_json = "{}",
                           .done = true,
                           .step = Step::kDone,
                           .live_schema = Users("name"),
                           .baseline = true};
  ASSERT_TRUE(store_->Insert(baseline).ok());
  Result<std::optional<MigrationRecord>> base = LoadLatestDoneMigration(*store_, "other");
  ASSERT_TRUE(base.ok() && base->has_value()) << base.status().ToString();
  EXPECT_TRUE((*base)->baseline);
  EXPECT_TRUE((*base)->snapshots.empty());
  EXPECT_TRUE((*base)->parts.empty());
  EXPECT_EQ((*base)->version_schema, "");
}

TEST_P(StateStoreContract, StepsAndActionsDoneAreRecorded) {
  InitOrDie();
  ASSERT_TRUE(store_->Insert(Active("02_split")).ok());
  ASSERT_TRUE(store_->SetStep(env_.schema, "02_split", Step::kBackfilling).ok());
  ASSERT_TRUE(env_.run(*session_, store_->ActionsDoneSql(env_.schema, "02_split", 3)).ok());
  auto loaded = LoadActiveMigration(*store_, env_.schema);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->step, Step::kBackfilling);
  EXPECT_EQ((*loaded)->actions_done, 3);

  // SetStepSql resets the count of the new step's actions.
  Status set = env_.run(*session_, store_->SetStepSql(env_.schema, "02_split", Step::kCompleting));
  ASSERT_TRUE(set.ok()) << set.ToString();
  loaded = LoadActiveMigration(*store_, env_.schema);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->step, Step::kCompleting);
  EXPECT_EQ((*loaded)->actions_done, 0);

  // The stored text stays the step's name, as older versions read it.
  EXPECT_EQ(Query(fmt::format("SELECT step FROM {} WHERE name = {}", Table("migrations"),
                              Lit("02_split"))),
            std::optional<std::string>("completing"));

  // An unknown stored step is refused by every reader, naming the migration.
  ASSERT_TRUE(env_.run(*session_, fmt::format("UPDATE {} SET step = {};\n", Table("migrations"),
                                              Lit("validating")))
                  .ok());
  loaded = LoadActiveMigration(*store_, env_.schema);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("migration \"02_split\""), std::string::npos)
      << loaded.status().ToString();
  EXPECT_FALSE(LoadHistory(*store_, env_.schema).ok());
}

TEST_P(StateStoreContract, StoredJsonMustBeValid) {
  InitOrDie();
  ASSERT_TRUE(store_->Insert(Active("02_split")).ok());
  Status broken = env_.run(*session_, fmt::format("UPDATE {} SET snapshots = {};\n",
                                                  Table("migrations"), Lit("{broken")));
  EXPECT_FALSE(broken.ok());
}

TEST_P(StateStoreContract, MarkDoneKeepsTheResultAndDropsCursorsAndControl) {
  InitOrDie();
  ASSERT_TRUE(store_->Insert(Active("02_split")).ok());
  ASSERT_TRUE(store_->SaveCursor(env_.schema, "02_split", {.table = "users"}).ok());
  ASSERT_TRUE(store_->SetControl(env_.schema, "02_split", {.paused = true}).ok());
  Status done =
      env_.run(*session_, store_->MarkDoneSql(env_.schema, "02_split", Users("first_name")));
  ASSERT_TRUE(done.ok()) << done.ToString();

  auto active = store_->ActiveRow(env_.schema);
  ASSERT_TRUE(active.ok());
  EXPECT_FALSE(active->has_value());
  auto latest = LoadLatestDoneMigration(*store_, env_.schema);
  ASSERT_TRUE(latest.ok() && latest->has_value()) << latest.status().ToString();
  EXPECT_TRUE((*latest)->done);
  EXPECT_EQ((*latest)->step, Step::kDone);
  ASSERT_TRUE((*latest)->resulting_schema.has_value());
  EXPECT_EQ(Text(*(*latest)->resulting_schema), Text(Users("first_name")));
  auto cursors = store_->Cursors(env_.schema, "02_split");
  ASSERT_TRUE(cursors.ok());
  EXPECT_TRUE(cursors->empty());
  auto control = store_->Control(env_.schema, "02_split");
  ASSERT_TRUE(control.ok());
  EXPECT_FALSE(control->paused);
}

TEST_P(StateStoreContract, DeleteTakesCursorsAndControlWithIt) {
  InitOrDie();
  ASSERT_TRUE(store_->Insert(Active("02_split")).ok());
  ASSERT_TRUE(store_->SaveCursor(env_.schema, "02_split", {.table = "users"}).ok());
  ASSERT_TRUE(store_->SetControl(env_.schema, "02_split", {.paused = true}).ok());
  ASSERT_TRUE(env_.run(*session_, store_->DeleteSql(env_.schema, "02_split")).ok());
  auto history = store_->HistoryRows(env_.schema);
  ASSERT_TRUE(history.ok());
  EXPECT_TRUE(history->empty());
  EXPECT_EQ(Query(fmt::format("SELECT COUNT(*) FROM {}", Table("backfill_cursors"))),
            std::optional<std::string>("0"));
  EXPECT_EQ(Query(fmt::format("SELECT COUNT(*) FROM {}", Table("backfill_control"))),
            std::optional<std::string>("0"));
}

TEST_P(StateStoreContract, CursorsRoundTripAndUpsert) {
  InitOrDie();
  ASSERT_TRUE(store_->Insert(Active("02_split")).ok());
  BackfillCursor users{.table = "users",
                       .last_key_json = R"(["42"])",
                       .rows_done = 42,
                       .rows_estimate = 1000,
                       .batch_rows = 21,
                       .run_rows_start = 0,
                       .throttled_batches = 1,
                       .throttle_reason = "replica lag 'high'",
                       .run_seconds = 1.5,
                       .interrupted_by = "SIGINT"};
  ASSERT_TRUE(store_->SaveCursor(env_.schema, "02_split", users, /*new_run=*/true).ok());
  ASSERT_TRUE(store_->SaveCursor(env_.schema, "02_split", {.table = "accounts"}).ok());

  auto cursors = store_->Cursors(env_.schema, "02_split");
  ASSERT_TRUE(cursors.ok()) << cursors.status().ToString();
  ASSERT_EQ(cursors->size(), 2u);
  EXPECT_EQ((*cursors)[0].table, "accounts");  // by table name
  EXPECT_FALSE((*cursors)[0].last_key_json.has_value());
  EXPECT_EQ((*cursors)[0].rows_estimate, -1);
  const BackfillCursor got = (*cursors)[1];  // a copy: `cursors` is read again below
  EXPECT_EQ(got.table, "users");
  ASSERT_TRUE(got.last_key_json.has_value());
  EXPECT_EQ(Json(*got.last_key_json), Json(R"(["42"])"));
  EXPECT_EQ(got.rows_done, 42);
  EXPECT_FALSE(got.finished);
  EXPECT_EQ(got.rows_estimate, 1000);
  EXPECT_EQ(got.batch_rows, 21);
  EXPECT_EQ(got.throttled_batches, 1);
  EXPECT_EQ(got.throttle_reason, "replica lag 'high'");
  EXPECT_DOUBLE_EQ(got.run_seconds, 1.5);
  EXPECT_EQ(got.interrupted_by, "SIGINT");
  EXPECT_FALSE(got.started_at.empty());
  EXPECT_FALSE(got.run_started_at.empty());
  EXPECT_FALSE(got.updated_at.empty());

  // The upsert replaces the values and keeps when the run began.
  users.rows_done = 84;
  users.finished = true;
  users.last_key_json = R"(["84"])";
  users.interrupted_by = "";
  ASSERT_TRUE(store_->SaveCursor(env_.schema, "02_split", users).ok());
  cursors = store_->Cursors(env_.schema, "02_split");
  ASSERT_TRUE(cursors.ok() && cursors->size() == 2u);
  EXPECT_EQ((*cursors)[1].rows_done, 84);
  EXPECT_TRUE((*cursors)[1].finished);
  EXPECT_EQ(Json(*(*cursors)[1].last_key_json), Json(R"(["84"])"));
  EXPECT_EQ((*cursors)[1].interrupted_by, "");
  EXPECT_EQ((*cursors)[1].run_started_at, got.run_started_at);
  EXPECT_EQ((*cursors)[1].started_at, got.started_at);

  // Cursors of another migration are not this one's.
  auto none = store_->Cursors(env_.schema, "03_other");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(StateStoreContract, ControlDefaultsThenUpserts) {
  InitOrDie();
  ASSERT_TRUE(store_->Insert(Active("02_split")).ok());
  auto control = store_->Control(env_.schema, "02_split");
  ASSERT_TRUE(control.ok()) << control.status().ToString();
  EXPECT_FALSE(control->paused);
  EXPECT_FALSE(control->batch_size.has_value());

  ASSERT_TRUE(
      store_
          ->SetControl(env_.schema, "02_split", {.paused = true, .batch_size = 500, .delay_ms = 20})
          .ok());
  control = store_->Control(env_.schema, "02_split");
  ASSERT_TRUE(control.ok());
  EXPECT_TRUE(control->paused);
  EXPECT_EQ(control->batch_size, std::optional<long long>(500));
  EXPECT_FALSE(control->target_ms.has_value());
  EXPECT_EQ(control->delay_ms, std::optional<long long>(20));

  ASSERT_TRUE(store_->SetControl(env_.schema, "02_split", {.target_ms = 250}).ok());
  control = store_->Control(env_.schema, "02_split");
  ASSERT_TRUE(control.ok());
  EXPECT_FALSE(control->paused);
  EXPECT_FALSE(control->batch_size.has_value());
  EXPECT_EQ(control->target_ms, std::optional<long long>(250));
  EXPECT_FALSE(control->delay_ms.has_value());
}

TEST_P(StateStoreContract, HistoryIsInInsertionOrder) {
  InitOrDie();
  // Names out of alphabetical order: the order is when each was inserted.
  for (const char* name : {"03_c", "01_a", "02_b"}) ASSERT_TRUE(store_->Insert(Done(name)).ok());
  ASSERT_TRUE(store_->Insert(Active("00_active")).ok());
  auto history = LoadHistory(*store_, env_.schema);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  ASSERT_EQ(history->size(), 4u);
  EXPECT_EQ((*history)[0].name, "03_c");
  EXPECT_EQ((*history)[1].name, "01_a");
  EXPECT_EQ((*history)[2].name, "02_b");
  EXPECT_EQ((*history)[3].name, "00_active");
  auto latest = store_->LatestDoneRow(env_.schema);
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->name, "02_b");
  auto other = store_->HistoryRows("other_schema");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
}

TEST_P(StateStoreContract, AtMostOneActiveMigrationPerSchema) {
  InitOrDie();
  ASSERT_TRUE(store_->Insert(Done("01_users")).ok());
  ASSERT_TRUE(store_->Insert(Done("01b_more")).ok());  // done rows never collide
  ASSERT_TRUE(store_->Insert(Active("02_split")).ok());
  Status second = store_->Insert(Active("03_next"));
  EXPECT_FALSE(second.ok()) << "a second active migration was accepted";
  MigrationRecord elsewhere = Active("03_next");
  elsewhere.schema = "other_schema";
  EXPECT_TRUE(store_->Insert(elsewhere).ok());
  ASSERT_TRUE(
      env_.run(*session_, store_->MarkDoneSql(env_.schema, "02_split", Users("name"))).ok());
  EXPECT_TRUE(store_->Insert(Active("03_next")).ok());
}

TEST_P(StateStoreContract, CreatedObjectsAreKeptApartFromMigrationRows) {
  InitOrDie();
  ASSERT_TRUE(store_->Insert(Active("02_split")).ok());
  std::string record = fmt::format(
      "INSERT INTO {} ({}, migration, kind, object_schema, table_name, name, object_oid, "
      "attnum) VALUES ({}, {}, {}, {}, {}, {}, 4242, 3);\n",
      Table("created_objects"), SchemaColumn(), Lit(env_.schema), Lit("02_split"), Lit("column"),
      Lit(env_.schema), Lit("users"), Lit("_zs_new_email"));
  ASSERT_TRUE(env_.run(*session_, record).ok());
  EXPECT_FALSE(env_.run(*session_, record).ok()) << "the same object recorded twice";
  // The record outlives the migration's row (no foreign key): doctor still
  // knows the object is zeroshift's.
  ASSERT_TRUE(env_.run(*session_, store_->DeleteSql(env_.schema, "02_split")).ok());
  EXPECT_EQ(
      Query(fmt::format("SELECT name FROM {} WHERE object_oid = 4242", Table("created_objects"))),
      std::optional<std::string>("_zs_new_email"));
}

TEST_P(StateStoreContract, SchemaLockIsRefusedToASecondSessionNamingTheHolder) {
  InitOrDie();
  auto other_session = env_.connect();
  ASSERT_TRUE(other_session.ok()) << other_session.status().ToString();
  std::unique_ptr<StateStore> other = env_.open_store(**other_session);
  std::optional<std::string> holder_id = Query(env_.session_id_sql);
  ASSERT_TRUE(holder_id.has_value());

  ASSERT_TRUE(store_->AcquireSchemaLock(env_.schema).ok());
  Status refused = other->AcquireSchemaLock(env_.schema);
  EXPECT_EQ(refused.code(), Code::kConflict) << refused.ToString();
  EXPECT_NE(refused.message().find(" " + *holder_id + " ("), std::string::npos)
      << refused.ToString();
  EXPECT_NE(refused.message().find(env_.schema), std::string::npos) << refused.ToString();

  auto holder = other->SchemaLockHolder(env_.schema);
  ASSERT_TRUE(holder.ok()) << holder.status().ToString();
  ASSERT_TRUE(holder->has_value());
  EXPECT_EQ(std::to_string((*holder)->pid), *holder_id);
  EXPECT_FALSE((*holder)->client.empty());
  auto elsewhere = other->SchemaLockHeldElsewhere(env_.schema);
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_TRUE(*elsewhere);
  // Not "elsewhere" for the holder itself, and other schemas are free.
  auto mine = store_->SchemaLockHeldElsewhere(env_.schema);
  ASSERT_TRUE(mine.ok());
  EXPECT_FALSE(*mine);
  EXPECT_TRUE(other->AcquireSchemaLock(env_.schema + "_other").ok());

  // The server drops the lock with the holder's connection.
  store_.reset();
  session_.reset();
  Status taken = other->AcquireSchemaLock(env_.schema);
  EXPECT_TRUE(taken.ok()) << taken.ToString();
}

INSTANTIATE_TEST_SUITE_P(Backends, StateStoreContract,
                         ::testing::Values(BackendCase{"Postgres", &PostgresEnv},
                                           BackendCase{"Mariadb", &MariadbEnv}),
                         [](const ::testing::TestParamInfo<BackendCase>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace zs::state
