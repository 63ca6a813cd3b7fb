// The CHECK zeroshift enforces with triggers on MariaDB (ops/mariadb_swap_rules.h)
// is a constraint to the other operations: the catalog reader reports it,
// drop_constraint drops it with the old column, rename_constraint renames it,
// and a user's CHECK constraint or trigger of a similar name is not taken for it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ops/mariadb_ops_fixture.h"
#include "schema/mariadb_reader.h"

namespace zs::ops {
namespace {

constexpr const char* kMariadbInstallAgeCheck = kMariadbAgeCheckYaml;

class MariadbCheckTrigger : public MariadbOps {
 protected:
  // users(id, age) with the check age_positive installed by an alter_column
  // run to completion: two triggers, no CHECK constraint in the catalog.
  void InstallCheck() {
    Exec("CREATE TABLE users (id int PRIMARY KEY, age int)");
    Exec("INSERT INTO users VALUES (1, 36), (2, 5)");
    Status loaded = Load(kMariadbInstallAgeCheck);
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    RunTwice(Phase::kStart);
    Exec("UPDATE users SET _zs_new_age = age");  // the backfill
    RunTwice(Phase::kComplete);
    ASSERT_EQ(Triggers(),
              (std::vector<std::string>{"zs_check_age_positive_bi", "zs_check_age_positive_bu"}));
  }

  std::vector<std::string> Triggers() {
    return Query(
        "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() "
        "ORDER BY 1");
  }

  const schema::Constraint* Find(const schema::Schema& schema, const std::string& name) {
    const schema::Table* table = schema.FindTable("users");
    if (table == nullptr) return nullptr;
    for (const auto& constraint : table->constraints) {
      if (constraint.name == name) return &constraint;
    }
    return nullptr;
  }
};

TEST_F(MariadbCheckTrigger, TheCatalogReaderReportsItAsACheck) {
  InstallCheck();
  schema::Schema schema = ReadSchema();
  const schema::Constraint* check = Find(schema, "age_positive");
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->type, 'c');
  EXPECT_EQ(check->columns, (std::vector<std::string>{"age"}));
  EXPECT_TRUE(check->definition.starts_with("zs_check: BEGIN IF (SELECT (age > 0\n)"))
      << check->definition;
  EXPECT_TRUE(schema::MariadbCheckByTriggers(*check));
}

TEST_F(MariadbCheckTrigger, DropConstraintDropsItsTriggersWithTheOldColumn) {
  InstallCheck();
  Status loaded = Load(R"yaml(operations:
  - drop_constraint:
      table: users
      name: age_positive
      up: age
      down: "CASE WHEN age <= 0 THEN 1 ELSE age END"
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  // The old version keeps the check until complete.
  EXPECT_EQ(mysql::ErrorNumber(conn_->Run("UPDATE users SET age = -1 WHERE id = 1")), 4025);
  Exec("UPDATE users SET _zs_new_age = age");  // the backfill
  RunTwice(Phase::kComplete);
  EXPECT_TRUE(Triggers().empty());
  Exec("UPDATE users SET age = -1 WHERE id = 1");  // no check any more
  EXPECT_EQ(Query("SELECT id, age FROM users ORDER BY id"),
            (std::vector<std::string>{"1|-1", "2|5"}));
  EXPECT_EQ(Find(ReadSchema(), "age_positive"), nullptr);
}

TEST_F(MariadbCheckTrigger, RenameConstraintRenamesItsTriggersAndTheirMessage) {
  InstallCheck();
  Status loaded = Load(R"yaml(operations:
  - rename_constraint: {table: users, from: age_positive, to: age_above_zero}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Triggers(),
            (std::vector<std::string>{"zs_check_age_above_zero_bi", "zs_check_age_above_zero_bu"}));
  for (const char* sql :
       {"UPDATE users SET age = -1 WHERE id = 1", "INSERT INTO users VALUES (3, -2)"}) {
    Status refused = conn_->Run(sql);
    EXPECT_EQ(mysql::ErrorNumber(refused), 4025) << sql << ": " << refused.message();
    EXPECT_NE(refused.message().find("CONSTRAINT `age_above_zero` failed"), std::string::npos)
        << refused.message();
  }
  schema::Schema schema = ReadSchema();
  EXPECT_EQ(Find(schema, "age_positive"), nullptr);
  ASSERT_NE(Find(schema, "age_above_zero"), nullptr);
}

// drop_column drops the CHECK triggers of the column with it, as PostgreSQL
// drops a CHECK with its column: left behind, they would fail every write.
TEST_F(MariadbCheckTrigger, DropColumnDropsTheChecksOfItsColumn) {
  InstallCheck();
  Status loaded = Load(R"yaml(operations:
  - drop_column: {table: users, column: age, down: "1"}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  RunTwice(Phase::kComplete);
  EXPECT_TRUE(Triggers().empty());
  Exec("INSERT INTO users VALUES (3)");
  Exec("UPDATE users SET id = 4 WHERE id = 3");
  EXPECT_EQ(Columns("users").size(), 1u);
}

// A user's CHECK constraint named like zeroshift's trigger check is a second
// constraint of that name: dropping "the" check is refused as ambiguous, and
// nothing is dropped. A user's trigger under a zs_check_ name without the
// label is no check at all.
TEST_F(MariadbCheckTrigger, AUsersCheckOrTriggerOfTheSameNameIsNotTakenForIt) {
  InstallCheck();
  Exec("ALTER TABLE users ADD CONSTRAINT age_positive CHECK (age < 1000)");
  Exec("CREATE TRIGGER zs_check_fake_bi BEFORE INSERT ON users FOR EACH ROW SET NEW.age = NEW.age");
  schema::Schema schema = ReadSchema();
  EXPECT_EQ(Find(schema, "fake"), nullptr);
  int named = 0;
  for (const auto& constraint : schema.FindTable("users")->constraints) {
    named += constraint.name == "age_positive" ? 1 : 0;
  }
  EXPECT_EQ(named, 2);
  Status refused = Load(R"yaml(operations:
  - drop_constraint:
      table: users
      name: age_positive
      up: age
      down: age
)yaml");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("m.yaml:"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("table \"users\" has two checks named \"age_positive\""),
            std::string::npos)
      << refused.message();
  Status rename = Load(R"yaml(operations:
  - rename_constraint: {table: users, from: age_positive, to: age_ok}
)yaml");
  ASSERT_FALSE(rename.ok());
  EXPECT_NE(rename.message().find("has two checks named \"age_positive\""), std::string::npos)
      << rename.message();
  EXPECT_EQ(Triggers(), (std::vector<std::string>{"zs_check_age_positive_bi",
                                                  "zs_check_age_positive_bu", "zs_check_fake_bi"}));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.CHECK_CONSTRAINTS WHERE "
                  "CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_NAME = 'age_positive'"),
            "1");
}

// Constraint names too long for `zs_check_<name>_bi` (MariaDB names a trigger
// in at most 64 characters): 60 characters, and 63, the longest a migration
// may use (64 is refused when the migration is read: the next test).
// The trigger names are cut and hashed with their suffix kept, and the
// catalog reader reads the name from the trigger's message, so the reader,
// drop_constraint and rename_constraint all know the check by its full name.
class MariadbLongCheckName : public MariadbCheckTrigger,
                             public ::testing::WithParamInterface<size_t> {
 public:
  static std::string Named(char letter, size_t size) {
    return "chk_" + std::string(size - 4, letter);
  }

  static std::string InstallYaml(const std::string& name) {
    return fmt::format(R"yaml(operations:
  - alter_column:
      table: users
      column: age
      check: {{name: {}, constraint: age > 0}}
      up: "CASE WHEN age <= 0 THEN 1 ELSE age END"
      down: age
)yaml",
                       name);
  }

  void InstallLongCheck(const std::string& name) {
    Exec("CREATE TABLE users (id int PRIMARY KEY, age int)");
    Exec("INSERT INTO users VALUES (1, 36), (2, 5)");
    Status loaded = Load(InstallYaml(name));
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    RunTwice(Phase::kStart);
    Exec("UPDATE users SET _zs_new_age = age");  // the backfill
    RunTwice(Phase::kComplete);
  }
};

TEST_P(MariadbLongCheckName, TheReaderDropAndRenameKnowItByItsFullName) {
  const std::string name = Named('a', GetParam()), renamed = Named('b', GetParam());
  InstallLongCheck(name);
  std::vector<std::string> triggers = Triggers();
  ASSERT_EQ(triggers.size(), 2u);
  for (const auto& trigger : triggers) {
    EXPECT_LE(trigger.size(), 64u) << trigger;
    EXPECT_TRUE(trigger.starts_with("zs_check_chk_")) << trigger;
  }
  EXPECT_TRUE(triggers[0].ends_with("_bi") && triggers[1].ends_with("_bu"))
      << triggers[0] << " " << triggers[1];
  ASSERT_NE(Find(ReadSchema(), name), nullptr) << "the reader does not know " << name;

  Status loaded = Load(fmt::format(
      "operations:\n  - rename_constraint: {{table: users, from: {}, to: {}}}\n", name, renamed));
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  RunTwice(Phase::kComplete);
  schema::Schema schema = ReadSchema();
  EXPECT_EQ(Find(schema, name), nullptr);
  ASSERT_NE(Find(schema, renamed), nullptr) << "the reader does not know " << renamed;
  EXPECT_EQ(Triggers().size(), 2u);
  Status refused = conn_->Run("UPDATE users SET age = -1 WHERE id = 1");
  EXPECT_EQ(mysql::ErrorNumber(refused), 4025) << refused.message();

  loaded = Load(fmt::format(R"yaml(operations:
  - drop_constraint:
      table: users
      name: {}
      up: age
      down: "CASE WHEN age <= 0 THEN 1 ELSE age END"
)yaml",
                            renamed));
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  Exec("UPDATE users SET _zs_new_age = age");  // the backfill
  RunTwice(Phase::kComplete);
  EXPECT_TRUE(Triggers().empty());
  EXPECT_EQ(Find(ReadSchema(), renamed), nullptr);
  Exec("UPDATE users SET age = -1 WHERE id = 1");  // no check any more
}

INSTANTIATE_TEST_SUITE_P(Lengths, MariadbLongCheckName, ::testing::Values(60u, 63u));

// A 64-character name, which MariaDB itself would take, is refused before
// anything runs, naming the constraint and the limit.
TEST_F(MariadbCheckTrigger, A64CharacterConstraintNameIsRefusedNamingIt) {
  const std::string name = "chk_" + std::string(60, 'c');
  Exec("CREATE TABLE users (id int PRIMARY KEY, age int)");
  Status loaded = Load(MariadbLongCheckName::InstallYaml(name));
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.message().find(name), std::string::npos) << loaded.message();
  EXPECT_NE(loaded.message().find("64 bytes"), std::string::npos) << loaded.message();
  EXPECT_TRUE(Triggers().empty());
}

}  // namespace
}  // namespace zs::ops
