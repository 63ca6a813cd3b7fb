// Lifecycle tests of drop_multicolumn_constraint against a real PostgreSQL: after start the old
// shape and the new version are both readable and writable and each sees the
// other's writes (up/down applied); complete leaves the final physical shape;
// rollback leaves the table as it was; bad input is refused before anything
// changes.
#include "ops/swap_lifecycle_fixture.h"

namespace zs::ops {
namespace {

// -------------------------------------------------- drop_multicolumn_constraint

// pgroll's example 48, with a down that satisfies the dropped check.
constexpr const char* kDropTicketsCheck = R"yaml(operations:
  - drop_multicolumn_constraint:
      table: tickets
      name: check_zip_name
      up:
        sellers_name: sellers_name
        sellers_zip: sellers_zip
      down:
        sellers_name: sellers_name
        sellers_zip: SELECT CASE WHEN sellers_name <> 'alice' AND sellers_zip <= 0 THEN 123 ELSE sellers_zip END
)yaml";

TEST_F(ConstraintLifecycle, DropMultiColumnConstraintStartCompleteAndRollback) {
  for (bool complete : {true, false}) {
    SCOPED_TRACE(complete ? "complete" : "rollback");
    FreshDatabase();
    Exec(
        "CREATE TABLE tickets (ticket_id integer PRIMARY KEY, sellers_name varchar(255),"
        " sellers_zip integer, CONSTRAINT check_zip_name CHECK (sellers_name = 'alice' OR "
        "sellers_zip > 0), CONSTRAINT unique_zip_name UNIQUE (sellers_name, sellers_zip));"
        "INSERT INTO tickets VALUES (1, 'alice', 0), (2, 'bob', 2);");
    Rows before = Dump("tickets");
    Start("drop_tickets_check", kDropTicketsCheck);
    Exec(*new_, "INSERT INTO tickets VALUES (3, 'carol', -1)");
    EXPECT_EQ(Value(*old_, "SELECT sellers_zip FROM tickets WHERE ticket_id = 3"), "123");
    EXPECT_TRUE(Fails(*new_, "INSERT INTO tickets VALUES (4, 'bob', 2)"));  // still unique
    if (complete) {
      Complete();
      EXPECT_EQ(Constraints("tickets"),
                (std::vector<std::string>{"tickets_pkey PRIMARY KEY (ticket_id)",
                                          "unique_zip_name UNIQUE (sellers_name, sellers_zip)"}));
      ExpectCompleteClean();
    } else {
      Rollback();
      EXPECT_EQ(Dump("tickets"), before);
      ExpectRollbackClean();
    }
  }
}

}  // namespace
}  // namespace zs::ops
