// The one loader of migration rows: a stored row becomes a typed record (step
// enum, parsed schemas), damaged or unknown rows are refused with the
// migration's name, and what StateStore writes reads back the same.
#include "state/load_migration.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "state/postgres_state_store.h"
#include "state/state_test_util.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::state {
namespace {

using test_util::Text;
using test_util::Users;

StoredMigration Row(std::string step) {
  nlohmann::json snapshots =
      nlohmann::json::array({schema::ToJson(Users("name")), schema::ToJson(Users("first_name"))});
  return {.schema = "public",
          .name = "02_split",
          .migration_json = R"({"operations":[]})",
          .version_schema = "public_02_split",
          .step = std::move(step),
          .snapshots_json = snapshots.dump(),
          .live_schema_json = Text(Users("first_name")),
          .actions_done = 2,
          .created_at = "2026-12-07 01:00:00+00"};
}

TEST(StateLoad, TypesTheStepAndParsesTheSchemasOnce) {
  Result<MigrationRecord> record = LoadMigration(Row("rolling_back"));
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  EXPECT_EQ(record->name, "02_split");
  EXPECT_EQ(record->version_schema, "public_02_split");
  EXPECT_EQ(record->step, Step::kRollingBack);
  EXPECT_EQ(record->actions_done, 2);
  ASSERT_EQ(record->snapshots.size(), 2u);
  EXPECT_EQ(Text(record->snapshots[0]), Text(Users("name")));
  EXPECT_EQ(Text(record->snapshots[1]), Text(Users("first_name")));
  ASSERT_TRUE(record->live_schema.has_value());
  EXPECT_EQ(Text(*record->live_schema), Text(Users("first_name")));
  EXPECT_FALSE(record->resulting_schema.has_value());  // NULL in the row
}

TEST(StateLoad, RowWithoutSchemasHasNone) {
  StoredMigration row = Row("starting");
  row.snapshots_json.clear();
  row.live_schema_json.clear();
  Result<MigrationRecord> record = LoadMigration(row);
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  EXPECT_TRUE(record->snapshots.empty());
  EXPECT_FALSE(record->live_schema.has_value());
}

TEST(StateLoad, UnknownStepIsRefusedNamingTheMigration) {
  Result<MigrationRecord> record = LoadMigration(Row("validating"));
  ASSERT_FALSE(record.ok());
  EXPECT_NE(record.status().message().find("migration \"02_split\""), std::string::npos)
      << record.status().ToString();
  EXPECT_NE(record.status().message().find("\"validating\""), std::string::npos);
}

TEST(StateLoad, DamagedSchemasAreRefusedNamingTheMigrationAndWhatToDo) {
  StoredMigration snapshots = Row("active");
  snapshots.snapshots_json = R"({"not": "an array"})";
  StoredMigration live = Row("active");
  live.live_schema_json = "{broken";
  for (const StoredMigration& row : {snapshots, live}) {
    Result<MigrationRecord> record = LoadMigration(row);
    ASSERT_FALSE(record.ok());
    const std::string& message = record.status().message();
    EXPECT_NE(message.find("migration \"02_split\""), std::string::npos) << message;
    EXPECT_NE(message.find("zeroshift doctor"), std::string::npos) << message;
  }
}

class StateLoadDb : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = std::make_unique<pg::Connection>(zs::testing::Open(zs::testing::FreshDatabaseUrl()));
    store_ = std::make_unique<PostgresStateStore>(*conn_);
    Status init = store_->Init();
    ASSERT_TRUE(init.ok()) << init.ToString();
  }
  std::unique_ptr<pg::Connection> conn_;
  std::unique_ptr<StateStore> store_;
};

TEST_F(StateLoadDb, WhatTheStoreWritesLoadsBackTyped) {
  MigrationRecord done{.schema = "public",
                       .name = "01_users",
                       .migration_json = R"({"operations":[]})",
                       .done = true,
                       .version_schema = "public_01_users",
                       .step = Step::kDone,
                       .snapshots = {Users("name")},
                       .resulting_schema = Users("name")};
  ASSERT_TRUE(store_->Insert(done).ok());
  MigrationRecord active{.schema = "public",
                         .name = "02_split",
                         .migration_json = R"({"operations":[]})",
                         .parent = "01_users",
                         .version_schema = "public_02_split",
                         .step = Step::kStarting,
                         .snapshots = {Users("name"), Users("first_name")}};
  ASSERT_TRUE(store_->Insert(active).ok());
  ASSERT_TRUE(store_->SetStep("public", "02_split", Step::kBackfilling).ok());
  ASSERT_TRUE(store_->SetLiveSchema("public", "02_split", Users("first_name")).ok());

  Result<std::optional<MigrationRecord>> loaded = LoadActiveMigration(*store_, "public");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_TRUE(loaded->has_value());
  const MigrationRecord& record = **loaded;
  EXPECT_EQ(record.name, "02_split");
  EXPECT_EQ(record.parent, std::optional<std::string>("01_users"));
  EXPECT_EQ(record.step, Step::kBackfilling);
  ASSERT_EQ(record.snapshots.size(), 2u);
  EXPECT_EQ(Text(record.snapshots[1]), Text(Users("first_name")));
  ASSERT_TRUE(record.live_schema.has_value());
  EXPECT_EQ(Text(*record.live_schema), Text(Users("first_name")));

  Result<std::optional<MigrationRecord>> latest = LoadLatestDoneMigration(*store_, "public");
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->step, Step::kDone);
  ASSERT_TRUE((*latest)->resulting_schema.has_value());
  EXPECT_EQ(Text(*(*latest)->resulting_schema), Text(Users("name")));

  Result<std::vector<MigrationRecord>> history = LoadHistory(*store_, "public");
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].name, "01_users");
  EXPECT_EQ((*history)[1].step, Step::kBackfilling);

  // The stored text stays what older versions read: the step as its string.
  Result<pg::Rows> rows = conn_->Exec(
      "SELECT string_agg(step, ',' ORDER BY name) FROM "
      "zeroshift.migrations");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Get(0, 0), "done,backfilling");
}

TEST_F(StateLoadDb, NoActiveMigrationIsNotAnError) {
  Result<std::optional<MigrationRecord>> loaded = LoadActiveMigration(*store_, "public");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_FALSE(loaded->has_value());
}

TEST_F(StateLoadDb, UnknownStoredStepIsRefusedByEveryReader) {
  MigrationRecord active{.schema = "public",
                         .name = "03_future",
                         .migration_json = R"({"operations":[]})",
                         .version_schema = "public_03_future",
                         .snapshots = {Users("name")}};
  ASSERT_TRUE(store_->Insert(active).ok());
  zs::testing::MustRun(*conn_, "UPDATE zeroshift.migrations SET step = 'validating'");
  Result<std::optional<MigrationRecord>> loaded = LoadActiveMigration(*store_, "public");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("migration \"03_future\""), std::string::npos)
      << loaded.status().ToString();
  EXPECT_FALSE(LoadHistory(*store_, "public").ok());
}

}  // namespace
}  // namespace zs::state
