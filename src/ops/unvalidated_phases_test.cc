// The planner builds the phases (Apply, Start, Triggers) of operations past
// raw SQL in a dry run without validating them (engine/planner.cc): text
// that no parser accepts must then give an error or SQL that nothing runs,
// never abort the process. And on MariaDB, expressions are embedded as
// MariaDB reads them, without PostgreSQL's parser. No server needed.
#include <gtest/gtest.h>

#include "backend/mariadb_backend.h"
#include "migration/parser.h"
#include "ops/column_sql.h"
#include "ops/registry.h"

namespace zs::ops {
namespace {

schema::Schema Users() {
  schema::Table users{.name = "users", .physical_name = "users"};
  users.columns.push_back({.name = "id", .physical_name = "id", .type = "bigint"});
  users.columns.push_back({.name = "name", .physical_name = "name", .type = "text"});
  users.primary_key = {"id"};
  return schema::Schema{.name = "app", .tables = {users}};
}

// Apply and Start of every operation of `yaml`, unvalidated, on `backend`:
// whatever they return, they return.
void RunUnvalidated(const std::string& yaml, const backend::Backend& backend) {
  auto migration = migration::ParseMigration(yaml, "m.yaml");
  ASSERT_TRUE(migration.ok()) << migration.status().ToString();
  schema::Schema before = Users();
  for (const auto& parsed : migration->operations) {
    auto op = MakeOperation(parsed);
    ASSERT_TRUE(op.ok()) << op.status().ToString();
    schema::Schema after = before;
    OpContext ctx{.before = &before,
                  .after = &after,
                  .base = &before,
                  .where = "m.yaml:2:5 " + parsed.kind,
                  .backend = &backend};
    (*op)->Apply(ctx, after);
    (void)(*op)->Start(ctx);
    (void)(*op)->Complete(ctx);
    (void)(*op)->Rollback(ctx);
  }
}

constexpr const char* kUnparsable = R"yaml(operations:
  - sql:
      up: "SELEC broken (("
  - add_column:
      table: users
      column: {name: motto, type: text, nullable: true, default: "'it\\'s' DIV (("}
  - create_index:
      name: users_partial
      table: users
      columns: [id]
      predicate: "id DIV 2 > (("
  - create_table:
      name: items
      columns:
        - {name: id, type: int, pk: true, default: "`x` <=> (("}
)yaml";

TEST(UnvalidatedPhases, TextNoParserAcceptsNeverAbortsOnPostgres) {
  RunUnvalidated(kUnparsable, backend::Postgres());
}

TEST(UnvalidatedPhases, TextNoParserAcceptsNeverAbortsOnMariadb) {
  RunUnvalidated(kUnparsable, backend::Mariadb());
}

TEST(UnvalidatedPhases, MariadbEmbedsExpressionsAsWritten) {
  OpContext ctx{.backend = &backend::Mariadb()};
  EXPECT_EQ(EmbedExpression(ctx, "'it\\'s' # not PostgreSQL"), "('it\\'s' # not PostgreSQL)");
  EXPECT_EQ(EmbedExpression(ctx, "`a` DIV 2;  "), "(`a` DIV 2)");
  migration::Column column{.name = "c", .type = "text"};
  column.default_value = "7 DIV 2";
  EXPECT_FALSE(HasVolatileDefault(ctx, column));
  EXPECT_EQ(ToSchemaColumn(ctx, column).default_expr, "(7 DIV 2)");
  column.default_value = "UUID()";
  EXPECT_TRUE(HasVolatileDefault(ctx, column));
  column.default_value = "`name`";
  EXPECT_TRUE(HasVolatileDefault(ctx, column));
}

TEST(UnvalidatedPhases, PostgresEmbedsAsBefore) {
  OpContext ctx;  // PostgreSQL
  EXPECT_EQ(EmbedExpression(ctx, "a + 1"), "(a + 1)");
  EXPECT_EQ(EmbedExpression(ctx, "a -- note"), "(a -- note\n)");
  migration::Column column{.name = "c", .type = "text"};
  column.default_value = "gen_random_uuid()";
  EXPECT_TRUE(HasVolatileDefault(ctx, column));
  column.default_value = "now()";
  EXPECT_FALSE(HasVolatileDefault(ctx, column));
}

}  // namespace
}  // namespace zs::ops
