// Lifecycle tests of the sql operation against a real PostgreSQL: after start the old
// shape and the new version are both readable and writable and each sees the
// other's writes (up/down applied); complete leaves the final physical shape;
// rollback leaves the table as it was; bad input is refused before anything
// changes.
#include "ops/raw_sql/raw_sql.h"
#include "ops/index_lifecycle_fixture.h"
#include "ops/lifecycle_fixture.h"

namespace zs::ops {
namespace {

// ------------------------------------------------------------------------- sql

constexpr const char* kSqlAudit = R"yaml(operations:
  - sql:
      up: CREATE TABLE audit (id integer PRIMARY KEY, msg text)
      down: DROP TABLE audit
)yaml";

TEST_F(OpsLifecycle, SqlStartAndComplete) {
  CreateUsers();
  Start("sql_audit", kSqlAudit);
  EXPECT_TRUE(TableExists("public", "audit"));
  // The schema is re-read after raw SQL, so the new version shows the table.
  Exec(*new_, "INSERT INTO audit VALUES (1, 'through new')");
  Exec(*old_, "INSERT INTO audit VALUES (2, 'through old')");
  EXPECT_EQ(Value(*old_, "SELECT msg FROM audit WHERE id = 1"), "through new");
  EXPECT_EQ(Value(*new_, "SELECT msg FROM audit WHERE id = 2"), "through old");

  Complete();
  EXPECT_EQ(Columns("audit"), (std::vector<std::string>{"id integer NOT NULL", "msg text NULL"}));
  EXPECT_EQ(Value(*new_, "SELECT count(*) FROM audit"), "2");
  ExpectCompleteClean();
}

TEST_F(OpsLifecycle, SqlRollback) {
  CreateUsers();
  Start("sql_audit", kSqlAudit);
  Exec(*new_, "INSERT INTO users VALUES (3, 'Grace')");
  Rollback();
  EXPECT_FALSE(TableExists("public", "audit"));
  EXPECT_EQ(Value(*old_, "SELECT count(*) FROM users"), "3");
  ExpectRollbackClean();
}

// ------------------------------------------------------------------------- sql

constexpr const char* kSqlOnComplete = R"yaml(operations:
  - sql:
      up: ALTER TABLE people ADD COLUMN birth_date timestamp
      onComplete: true
)yaml";

TEST_F(IndexOpsLifecycle, SqlOnCompleteRunsAtComplete) {
  CreatePeople();
  Start("sql_on_complete", kSqlOnComplete);
  EXPECT_EQ(Value("SELECT count(*) FROM information_schema.columns WHERE table_name = 'people' "
                  "AND column_name = 'birth_date'"),
            "0");
  Exec(*new_, "INSERT INTO people (id, name) VALUES (3, 'Carol')");
  Complete();
  EXPECT_EQ(Value("SELECT count(*) FROM information_schema.columns WHERE table_name = 'people' "
                  "AND column_name = 'birth_date'"),
            "1");
  ExpectCompleteClean();
}

TEST_F(IndexOpsLifecycle, SqlOnCompleteRollbackRunsNothing) {
  CreatePeople();
  std::string before = Fingerprint();
  Start("sql_on_complete", kSqlOnComplete);
  Rollback();
  EXPECT_EQ(Fingerprint(), before);
  ExpectRollbackClean();
}

constexpr const char* kSqlConcurrently = R"yaml(operations:
  - sql:
      up: |
        CREATE INDEX CONCURRENTLY people_name ON people (name);
        CREATE TABLE audit (id int);
        INSERT INTO audit VALUES (1); -- seeded
        REINDEX INDEX CONCURRENTLY people_name
      down: |
        DROP INDEX CONCURRENTLY IF EXISTS people_name;
        DROP TABLE IF EXISTS audit;
)yaml";

TEST_F(IndexOpsLifecycle, SqlRunsConcurrentStatementsOutsideATransaction) {
  CreatePeople();
  std::string plan = PlanText(kSqlConcurrently);
  for (const char* fragment : {"-- sql:0:up:1  [SHARE UPDATE EXCLUSIVE]  [outside transaction]\n"
                               "CREATE INDEX CONCURRENTLY people_name ON people (name);\n",
                               "-- sql:0:up:2  [ACCESS EXCLUSIVE]\nCREATE TABLE audit (id int);\n"
                               "INSERT INTO audit VALUES (1);\n",
                               "-- sql:0:up:3  [SHARE UPDATE EXCLUSIVE]  [outside transaction]\n"
                               "REINDEX INDEX CONCURRENTLY people_name;\n",
                               "-- sql:0:down:1  [SHARE UPDATE EXCLUSIVE]  [outside transaction]\n"
                               "DROP INDEX CONCURRENTLY IF EXISTS people_name;\n"}) {
    EXPECT_NE(plan.find(fragment), std::string::npos) << fragment << "\nin:\n" << plan;
  }
  Start("sql_concurrently", kSqlConcurrently);
  EXPECT_EQ(IndexState("people_name"), "valid");
  EXPECT_EQ(Value("SELECT count(*) FROM audit"), "1");
  Rollback();
  EXPECT_EQ(IndexState("people_name"), "absent");
  EXPECT_FALSE(TableExists("public", "audit"));
  ExpectRollbackClean();
}

TEST_F(IndexOpsLifecycle, SqlRefusesTransactionControl) {
  CreatePeople();
  ExpectRefused(R"yaml(operations:
  - sql: {up: "BEGIN; CREATE TABLE t (id int); COMMIT"}
)yaml",
                {"refused.yaml:2:5 sql up", "`BEGIN` controls the transaction"});
  ExpectRefused(R"yaml(operations:
  - sql: {up: "CREATE TABLE t (id int", down: "DROP TABLE t"}
)yaml",
                {"the SQL does not parse"});
}

TEST(IndexOpsSql, RawConcurrentIndexBuildIsClearedBeforeARetry) {
  RawSql op({.up = "CREATE INDEX CONCURRENTLY i ON app.t (a);\n"
                   "CREATE INDEX CONCURRENTLY IF NOT EXISTS j ON t (a)"});
  schema::Schema schema{.name = "public"};
  OpContext ctx{.index = 3, .before = &schema, .after = &schema, .where = "m.yaml:2:5 sql"};
  ASSERT_TRUE(op.Validate(ctx).ok());
  Result<std::vector<Action>> started = op.Start(ctx);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  const std::vector<Action>& actions = *started;
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].id, "sql:3:up:1");
  EXPECT_FALSE(actions[0].transactional);
  EXPECT_EQ(actions[0].before_retry_sql, "DROP INDEX CONCURRENTLY IF EXISTS \"app\".\"i\";");
  // With IF NOT EXISTS the index of that name may not be the statement's: never dropped.
  EXPECT_EQ(actions[1].id, "sql:3:up:2");
  EXPECT_EQ(actions[1].before_retry_sql, "");
}

}  // namespace
}  // namespace zs::ops
