// The locks the plan names for each step, and the ones PostgreSQL takes.
#include "ops/index_lifecycle_fixture.h"

namespace zs::ops {
namespace {

// ---------------------------------------------------------------- plan locks

TEST_F(IndexOpsLifecycle, PlanNamesTheLockOfEachStep) {
  CreateFruits();
  CreatePeople();
  Exec("CREATE INDEX idx_old ON fruits (price)");
  std::string plan = PlanText(R"yaml(operations:
  - create_index: {name: idx_fruits_name, table: fruits, columns: [{column: name}]}
  - drop_index: {name: idx_old}
  - set_replica_identity: {table: fruits, identity: {type: full, index: ""}}
  - rename_constraint: {table: people, from: name_length, to: name_length_check}
)yaml");
  for (const char* fragment :
       {"-- create_index:idx_fruits_name  [SHARE UPDATE EXCLUSIVE on fruits]  [outside "
        "transaction]\nCREATE INDEX CONCURRENTLY \"idx_fruits_name\" ON \"public\".\"fruits\" "
        "USING btree (\"name\");\n",
        "-- create_index:idx_fruits_name:check_valid\nDO ",
        "-- set_replica_identity:fruits  [ACCESS EXCLUSIVE on fruits]\nALTER TABLE "
        "\"public\".\"fruits\" REPLICA IDENTITY FULL;\n",
        "-- drop_index:idx_old  [SHARE UPDATE EXCLUSIVE on fruits]  [outside transaction]\n"
        "DROP INDEX CONCURRENTLY IF EXISTS \"public\".\"idx_old\";\n",
        "[ACCESS EXCLUSIVE on people]\nALTER TABLE \"public\".\"people\" RENAME CONSTRAINT "
        "\"name_length\" TO \"name_length_check\";\n",
        "-- set_replica_identity:fruits:restore  [ACCESS EXCLUSIVE on fruits]\nALTER TABLE "
        "\"public\".\"fruits\" REPLICA IDENTITY DEFAULT;\n",
        "-- create_index:idx_fruits_name:drop  [SHARE UPDATE EXCLUSIVE on fruits]  [outside "
        "transaction]\nDROP INDEX CONCURRENTLY IF EXISTS \"public\".\"idx_fruits_name\";\n"}) {
    EXPECT_NE(plan.find(fragment), std::string::npos) << fragment << "\nin:\n" << plan;
  }
}

// The locks the plan names are the ones PostgreSQL takes: each statement
// waits behind a session holding only ACCESS SHARE (a reader) exactly when it
// needs ACCESS EXCLUSIVE.
TEST_F(IndexOpsLifecycle, PlannedLocksMatchWhatPostgresTakes) {
  CreatePeople();
  Exec("CREATE INDEX people_name ON people (name)");
  auto reader = Connect("public");
  Exec(*reader, "BEGIN; SELECT count(*) FROM people");
  auto blocked = [&](const std::string& sql) {
    Status status = old_->Run("SET lock_timeout = '100ms'; " + sql);
    Exec(*old_, "SET lock_timeout = 0");
    return status.sqlstate() == "55P03";
  };
  EXPECT_TRUE(blocked("ALTER TABLE people REPLICA IDENTITY FULL"));
  EXPECT_TRUE(blocked("ALTER TABLE people RENAME CONSTRAINT name_length TO n2"));
  // SHARE UPDATE EXCLUSIVE does not conflict with a reader's ACCESS SHARE.
  EXPECT_FALSE(blocked("CREATE INDEX CONCURRENTLY people_email2 ON people (email)"));
  Exec(*reader, "ROLLBACK");
}

}  // namespace
}  // namespace zs::ops
