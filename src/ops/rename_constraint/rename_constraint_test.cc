// Lifecycle tests of rename_constraint against a real PostgreSQL: after start the old
// shape and the new version are both readable and writable and each sees the
// other's writes (up/down applied); complete leaves the final physical shape;
// rollback leaves the table as it was; bad input is refused before anything
// changes.
#include "ops/index_lifecycle_fixture.h"

namespace zs::ops {
namespace {

// ---------------------------------------------------------- rename_constraint

constexpr const char* kRenameCheck = R"yaml(operations:
  - rename_constraint:
      table: people
      from: name_length
      to: name_length_check
)yaml";

TEST_F(IndexOpsLifecycle, RenameConstraintStartAndComplete) {
  CreatePeople();
  Start("rename_check", kRenameCheck);
  // Renamed at complete: while active it keeps its name, and holds for both versions.
  EXPECT_EQ(ConstraintDef("people", "name_length"), "CHECK ((length((name)::text) > 3))");
  EXPECT_TRUE(Fails(*new_, "INSERT INTO people VALUES (3, 'Al', 'c@x')"));
  EXPECT_TRUE(Fails(*old_, "INSERT INTO people VALUES (3, 'Al', 'c@x')"));
  Exec(*new_, "INSERT INTO people VALUES (3, 'Carol', 'c@x')");
  Complete();
  EXPECT_EQ(ConstraintDef("people", "name_length"), "absent");
  EXPECT_EQ(ConstraintDef("people", "name_length_check"), "CHECK ((length((name)::text) > 3))");
  EXPECT_TRUE(Fails(*new_, "INSERT INTO people VALUES (4, 'Di', 'd@x')"));
  ExpectCompleteClean();
}

TEST_F(IndexOpsLifecycle, RenameConstraintRollback) {
  CreatePeople();
  std::string before = Fingerprint();
  Start("rename_check", kRenameCheck);
  Rollback();
  EXPECT_EQ(ConstraintDef("people", "name_length"), "CHECK ((length((name)::text) > 3))");
  EXPECT_EQ(Fingerprint(), before);
  ExpectRollbackClean();
}

TEST_F(IndexOpsLifecycle, RenameUniqueConstraintRenamesItsIndexAtComplete) {
  CreatePeople();
  Start("rename_unique", R"yaml(operations:
  - rename_constraint: {table: people, from: people_email, to: people_email_key}
)yaml");
  EXPECT_EQ(IndexState("people_email"), "valid");
  Complete();
  EXPECT_EQ(IndexState("people_email"), "absent");
  EXPECT_EQ(IndexState("people_email_key"), "valid");
  EXPECT_EQ(ConstraintDef("people", "people_email_key"), "UNIQUE (email)");
  ExpectCompleteClean();
}

TEST_F(IndexOpsLifecycle, RenameConstraintRefusesBadInput) {
  CreatePeople();
  ExpectRefused(R"yaml(operations:
  - rename_constraint: {table: humans, from: name_length, to: x}
)yaml",
                {"table \"humans\" does not exist"});
  ExpectRefused(R"yaml(operations:
  - rename_constraint: {table: people, from: nope, to: x}
)yaml",
                {"table \"people\" has no constraint \"nope\"", "name_length"});
  ExpectRefused(R"yaml(operations:
  - rename_constraint: {table: people, from: name_length, to: people_pkey}
)yaml",
                {"already has a constraint \"people_pkey\""});
  ExpectRefused(R"yaml(operations:
  - rename_constraint: {table: people, from: name_length, to: "x; DROP TABLE people"}
)yaml",
                {"new constraint name", "contains a semicolon"});
  ExpectRefused(R"yaml(operations:
  - rename_constraint: {table: people, from: people_email, to: people}
)yaml",
                {"owns an index that would be renamed \"people\""});
}

}  // namespace
}  // namespace zs::ops
