// create_constraint on a real MariaDB (ops/mariadb_swap.h): the columns are
// swapped; a unique is an index built in place, a foreign key is added under
// foreign_key_checks=0 and validated in batches, a check is a trigger. Each
// phase runs twice; what MariaDB cannot do online is refused first.
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

TEST_F(MariadbOps, CreateUniqueConstraintOverTwoColumns) {
  Exec("CREATE TABLE tickets (id int PRIMARY KEY, seller varchar(20), zip int)");
  Exec("INSERT INTO tickets VALUES (1, 'a', 1), (2, 'a', 2)");
  Status loaded = Load(R"yaml(operations:
  - create_constraint:
      type: unique
      table: tickets
      name: seller_zip
      columns: [seller, zip]
      up: {seller: seller, zip: zip}
      down: {seller: seller, zip: zip}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  EXPECT_EQ(Indexes("tickets"),
            (std::vector<std::string>{"PRIMARY unique id",
                                      "seller_zip unique _zs_new_seller,_zs_new_zip"}));
  Exec("UPDATE tickets SET _zs_new_seller = seller, _zs_new_zip = zip");  // the backfill
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Columns("tickets"),
            (std::vector<std::string>{"id int(11) NOT NULL", "seller varchar(20) NULL",
                                      "zip int(11) NULL"}));
  EXPECT_EQ(Indexes("tickets"),
            (std::vector<std::string>{"PRIMARY unique id", "seller_zip unique seller,zip"}));
  EXPECT_EQ(mysql::ErrorNumber(conn_->Run("INSERT INTO tickets VALUES (3, 'a', 1)")), 1062);
}

constexpr const char* kMariadbZipCheck = R"yaml(operations:
  - create_constraint:
      type: check
      table: tickets
      name: zip_positive
      columns: [zip]
      check: zip > 0
      up: {zip: "CASE WHEN zip > 0 THEN zip ELSE 1 END"}
      down: {zip: zip}
)yaml";

TEST_F(MariadbOps, CreateCheckConstraintIsATrigger) {
  Exec("CREATE TABLE tickets (id int PRIMARY KEY, zip int)");
  Exec("INSERT INTO tickets VALUES (1, 5), (2, -2)");
  Status loaded = Load(kMariadbZipCheck);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  EXPECT_EQ(mysql::ErrorNumber(conn_->Run("UPDATE tickets SET _zs_new_zip = -1 WHERE id = 1")),
            4025);
  Exec("UPDATE tickets SET _zs_new_zip = CASE WHEN zip > 0 THEN zip ELSE 1 END");
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Query("SELECT id, zip FROM tickets ORDER BY id"),
            (std::vector<std::string>{"1|5", "2|1"}));
  EXPECT_EQ(mysql::ErrorNumber(conn_->Run("INSERT INTO tickets VALUES (3, 0)")), 4025);
  Exec("INSERT INTO tickets VALUES (3, 3)");
}

TEST_F(MariadbOps, CreateCheckConstraintRollback) {
  Exec("CREATE TABLE tickets (id int PRIMARY KEY, zip int)");
  Status loaded = Load(kMariadbZipCheck);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  RunTwice(Phase::kRollback);
  EXPECT_EQ(Columns("tickets"),
            (std::vector<std::string>{"id int(11) NOT NULL", "zip int(11) NULL"}));
  Exec("INSERT INTO tickets VALUES (3, -3)");
}

constexpr const char* kMariadbSellerForeignKey = R"yaml(operations:
  - create_constraint:
      type: foreign_key
      table: tickets
      name: tickets_seller_fk
      columns: [seller]
      references: {table: sellers, columns: [id]}
      up: {seller: seller}
      down: {seller: seller}
)yaml";

TEST_F(MariadbOps, CreateForeignKeyConstraintValidatesTheRows) {
  Exec("CREATE TABLE sellers (id int PRIMARY KEY)");
  Exec("INSERT INTO sellers VALUES (1), (2)");
  Exec("CREATE TABLE tickets (id int PRIMARY KEY, seller int)");
  Exec("INSERT INTO tickets VALUES (1, 1), (2, 2), (3, NULL)");
  Status loaded = Load(kMariadbSellerForeignKey);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  EXPECT_EQ(mysql::ErrorNumber(conn_->Run("UPDATE tickets SET _zs_new_seller = 8 WHERE id = 1")),
            1452);
  Exec("UPDATE tickets SET _zs_new_seller = seller");
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE "
                  "CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_NAME = 'tickets_seller_fk'"),
            "1");
  EXPECT_EQ(mysql::ErrorNumber(conn_->Run("INSERT INTO tickets VALUES (4, 9)")), 1452);
}

TEST_F(MariadbOps, CreateForeignKeyConstraintRollback) {
  Exec("CREATE TABLE sellers (id int PRIMARY KEY)");
  Exec("CREATE TABLE tickets (id int PRIMARY KEY, seller int)");
  Status loaded = Load(kMariadbSellerForeignKey);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  RunTwice(Phase::kRollback);
  EXPECT_EQ(Columns("tickets"),
            (std::vector<std::string>{"id int(11) NOT NULL", "seller int(11) NULL"}));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE "
                  "CONSTRAINT_SCHEMA = DATABASE()"),
            "0");
}

}  // namespace
}  // namespace zs::ops
