// SqlFor: an operation's SQL follows ctx.backend; PostgreSQL is the default,
// so callers that do not set a backend get the SQL they always got.
#include "ops/operation_sql.h"

#include <gtest/gtest.h>

#include "backend/mariadb_backend.h"
#include "migration/parser.h"
#include "ops/registry.h"

namespace zs::ops {
namespace {

std::vector<Action> DropUsersAtComplete(const backend::Backend* backend) {
  auto migration =
      migration::ParseMigration("operations:\n  - drop_table: {name: users}\n", "m.yaml");
  EXPECT_TRUE(migration.ok());
  auto op = MakeOperation(migration->operations[0]);
  EXPECT_TRUE(op.ok());
  schema::Schema before{.name = "app", .tables = {{.name = "users", .physical_name = "users"}}};
  schema::Schema after{.name = "app"};
  OpContext ctx{.before = &before, .after = &after, .base = &before, .where = "m.yaml:2:5"};
  if (backend != nullptr) ctx.backend = backend;
  EXPECT_TRUE((*op)->Validate(ctx).ok());
  return (*op)->Complete(ctx).value();
}

TEST(OperationSql, PostgresIsTheDefault) {
  EXPECT_EQ(OpContext{}.backend->kind(), backend::Kind::kPostgres);
  EXPECT_EQ(FormatActions(DropUsersAtComplete(nullptr)),
            "-- drop_table:users:drop  [ACCESS EXCLUSIVE on users]\n"
            "DROP TABLE IF EXISTS \"app\".\"users\";\n");
}

TEST(OperationSql, MariadbSqlAndLockWords) {
  EXPECT_EQ(FormatActions(DropUsersAtComplete(&backend::Mariadb())),
            "-- drop_table:users:drop  [metadata lock (exclusive, brief) on users]  [outside "
            "transaction]\n"
            "DROP TABLE IF EXISTS `app`.`users`;\n");
}

}  // namespace
}  // namespace zs::ops
