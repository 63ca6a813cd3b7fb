// create_table on a real MariaDB: CREATE TABLE IF NOT EXISTS at start, DROP
// TABLE IF EXISTS at rollback, each twice; what MariaDB lacks is refused.
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

constexpr const char* kMariadbCreateOrders = R"yaml(operations:
  - create_table:
      name: orders
      comment: what was bought
      columns:
        - {name: id, type: bigint, pk: true}
        - {name: code, type: varchar(20), unique: true}
        - name: qty
          type: int
          default: "1"
          check: {name: qty_positive, constraint: qty > 0}
        - name: customer_id
          type: int
          nullable: true
          references: {name: orders_customer_fk, table: customers, column: id, on_delete: CASCADE}
      constraints:
        - {name: orders_code_qty, type: unique, columns: [code, qty]}
)yaml";

TEST_F(MariadbOps, CreateTableWithKeysChecksAndForeignKeys) {
  Exec("CREATE TABLE customers (id int PRIMARY KEY)");
  Status loaded = Load(kMariadbCreateOrders);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  EXPECT_EQ(Columns("orders"), (std::vector<std::string>{
                                   "id bigint(20) NOT NULL", "code varchar(20) NOT NULL",
                                   "qty int(11) NOT NULL default 1", "customer_id int(11) NULL"}));
  EXPECT_EQ(Indexes("orders"),
            (std::vector<std::string>{"PRIMARY unique id", "orders_code_key unique code",
                                      "orders_code_qty unique code,qty",
                                      "orders_customer_fk customer_id"}));
  EXPECT_EQ(Query("SELECT CONSTRAINT_NAME, CONSTRAINT_TYPE FROM "
                  "information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE() AND "
                  "TABLE_NAME = 'orders' AND CONSTRAINT_TYPE IN ('CHECK', 'FOREIGN KEY') ORDER "
                  "BY 1"),
            (std::vector<std::string>{"orders_customer_fk|FOREIGN KEY", "qty_positive|CHECK"}));
  EXPECT_EQ(Value("SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                  "DATABASE() AND TABLE_NAME = 'orders'"),
            "what was bought");
  RunTwice(Phase::kComplete);
  RunTwice(Phase::kRollback);
  EXPECT_EQ(Tables(), (std::vector<std::string>{"customers"}));
}

TEST_F(MariadbOps, CreateTableRefusesWhatMariadbLacks) {
  Status status = Load(R"yaml(operations:
  - create_table:
      name: things
      columns:
        - {name: id, type: bigint, pk: true, generated: {identity: {user_specified_values: ALWAYS}}}
)yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("create_table: cannot run on MariaDB"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("AUTO_INCREMENT"), std::string::npos) << status.message();
  EXPECT_TRUE(Tables().empty());
}

}  // namespace
}  // namespace zs::ops
