// What the column swap cannot do online on MariaDB (ops/mariadb_swap.h) is
// refused by Validate before anything runs: each message names the
// operation (ctx.where), the table and what to do instead, and the database
// is left as it was.
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

struct MariadbRefusalCase {
  const char* what;
  const char* yaml;
  std::vector<std::string> expected;  // besides "<kind>: cannot run on MariaDB"
};

class MariadbSwapRefusals : public MariadbOps {
 protected:
  void Expect(const MariadbRefusalCase& refusal, const std::string& kind) {
    std::vector<std::string> before = Columns("tickets");
    Status status = Load(refusal.yaml);
    ASSERT_FALSE(status.ok()) << refusal.what;
    EXPECT_NE(status.message().find(kind + ": cannot run on MariaDB"), std::string::npos)
        << refusal.what << ": " << status.message();
    for (const auto& part : refusal.expected) {
      EXPECT_NE(status.message().find(part), std::string::npos)
          << refusal.what << ": " << status.message() << "\nlacks: " << part;
    }
    EXPECT_EQ(Columns("tickets"), before) << refusal.what;
  }
};

TEST_F(MariadbSwapRefusals, CreateConstraint) {
  Exec("CREATE TABLE sellers (id int PRIMARY KEY)");
  Exec("CREATE TABLE tickets (id int PRIMARY KEY, zip int, seller int)");
  Exec("CREATE TABLE pairs (a int, b int, zip int, PRIMARY KEY (a, b))");
  const MariadbRefusalCase cases[] = {
      {"primary key",
       R"yaml(operations:
  - create_constraint: {type: primary_key, table: tickets, name: tickets_zip_pk, columns: [zip], up: {zip: zip}, down: {zip: zip}}
)yaml",
       {"table \"tickets\"", "primary key", "use a unique constraint on NOT NULL columns"}},
      {"index parameters",
       R"yaml(operations:
  - create_constraint: {type: unique, table: tickets, name: tickets_zip, columns: [zip], index_parameters: {tablespace: fast}, up: {zip: zip}, down: {zip: zip}}
)yaml",
       {"table \"tickets\"", "index_parameters", "remove them"}},
      {"smuggled statement",
       R"yaml(operations:
  - create_constraint: {type: check, table: tickets, name: zip_ok, columns: [zip], check: "zip > 0 /*! OR 1 */", up: {zip: zip}, down: {zip: zip}}
)yaml",
       {"table \"tickets\"", "the check"}},
      {"match full",
       R"yaml(operations:
  - create_constraint: {type: foreign_key, table: tickets, name: tickets_seller_fk, columns: [seller], references: {table: sellers, columns: [id], match_type: FULL}, up: {seller: seller}, down: {seller: seller}}
)yaml",
       {"table \"tickets\"", "MATCH FULL", "use MATCH SIMPLE"}},
      {"set default",
       R"yaml(operations:
  - create_constraint: {type: foreign_key, table: tickets, name: tickets_seller_fk, columns: [seller], references: {table: sellers, columns: [id], on_delete: SET DEFAULT}, up: {seller: seller}, down: {seller: seller}}
)yaml",
       {"table \"tickets\"", "SET DEFAULT", "use NO ACTION, RESTRICT, CASCADE or SET NULL"}},
      {"created by this migration",
       R"yaml(operations:
  - create_table: {name: fresh, columns: [{name: id, type: int, pk: true}, {name: zip, type: int, nullable: true}]}
  - create_constraint: {type: unique, table: fresh, name: fresh_zip, columns: [zip], up: {zip: zip}, down: {zip: zip}}
)yaml",
       {"table \"fresh\" is created by this migration", "in create_table"}},
  };
  for (const auto& refusal : cases) Expect(refusal, "create_constraint");
  Expect({"no single-column primary key",
          R"yaml(operations:
  - create_constraint: {type: check, table: pairs, name: pairs_zip, columns: [zip], check: zip > 0, up: {zip: zip}, down: {zip: zip}}
)yaml",
          {"table \"pairs\"", "single-column primary key", "add one first"}},
         "create_constraint");
}

TEST_F(MariadbSwapRefusals, AlterColumn) {
  Exec("CREATE TABLE sellers (id int PRIMARY KEY)");
  Exec(
      "CREATE TABLE tickets (id int PRIMARY KEY, zip int, seller int, CONSTRAINT zip_ok CHECK "
      "(zip > 0))");
  const MariadbRefusalCase cases[] = {
      {"deferrable",
       R"yaml(operations:
  - alter_column: {table: tickets, column: seller, references: {name: tickets_seller_fk, table: sellers, column: id, deferrable: true}, up: seller, down: seller}
)yaml",
       {"table \"tickets\"", "DEFERRABLE", "remove `deferrable`"}},
      {"column in a constraint",
       R"yaml(operations:
  - alter_column: {table: tickets, column: zip, type: bigint, up: zip, down: zip}
)yaml",
       {"column \"zip\" of table \"tickets\"", "constraint \"zip_ok\"", "drop it first"}},
  };
  for (const auto& refusal : cases) Expect(refusal, "alter_column");
}

}  // namespace
}  // namespace zs::ops
