// `zeroshift plan` on MariaDB (and validate's summary) states MariaDB's own
// lock words (Action::lock_text, "metadata lock (...)") on every statement,
// never PostgreSQL's lock modes (ACCESS EXCLUSIVE, SHARE UPDATE EXCLUSIVE,
// ...), which do not exist there: through the built binary against a real
// MariaDB, for every file of examples/mariadb/ (one by one, each applied
// before the next is planned, and the directory planned at once) and for one
// migration per operation MariaDB supports, with the variants of add_column,
// alter_column and the constraints that make other statements. The dual
// write's marker and triggers, the version's views and their rebinding at
// complete, and the removal of the dual write printed PostgreSQL's names
// before their actions carried MariaDB's.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "engine/mariadb_engine_test_util.h"
#include "ops/action.h"
#include "testing/test_paths.h"

namespace zs::engine {
namespace {

using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

// PostgreSQL's lock modes found in `plan` as whole words ("SHARE" is not in
// "SHARED"), each with the line it is on.
std::vector<std::string> PostgresLockModesIn(const std::string& plan) {
  std::vector<std::string> found;
  for (ops::Lock lock :
       {ops::Lock::kAccessShare, ops::Lock::kRowShare, ops::Lock::kRowExclusive,
        ops::Lock::kShareUpdateExclusive, ops::Lock::kShare, ops::Lock::kShareRowExclusive,
        ops::Lock::kExclusive, ops::Lock::kAccessExclusive}) {
    std::regex word("(^|[^A-Z_])" + std::string(ops::LockName(lock)) + "($|[^A-Z_])");
    size_t begin = 0;
    while (begin < plan.size()) {
      size_t end = plan.find('\n', begin);
      if (end == std::string::npos) end = plan.size();
      std::string line = plan.substr(begin, end - begin);
      if (std::regex_search(line, word)) {
        found.push_back(std::string(ops::LockName(lock)) + " in: " + line);
      }
      begin = end + 1;
    }
  }
  return found;
}

// The lock annotations of `plan`'s action lines ("-- <id>  [<lock> on
// <table>]") that are not MariaDB's words.
std::vector<std::string> ForeignLockTexts(const std::string& plan) {
  static const std::regex kActionLock(R"(^-- \S.*?  \[(.*?)( on [^\]]*)?\])");
  std::vector<std::string> foreign;
  size_t begin = 0;
  while (begin < plan.size()) {
    size_t end = plan.find('\n', begin);
    if (end == std::string::npos) end = plan.size();
    std::string line = plan.substr(begin, end - begin);
    std::smatch match;
    if (std::regex_search(line, match, kActionLock) && match[1] != "outside transaction" &&
        match[1].str().rfind("metadata lock (", 0) != 0) {
      foreign.push_back(line);
    }
    begin = end + 1;
  }
  return foreign;
}

// How many action lines carry a lock annotation: a plan must have some, or
// the checks above prove nothing.
int LockedActions(const std::string& plan) {
  int count = 0;
  for (size_t at = plan.find("[metadata lock ("); at != std::string::npos;
       at = plan.find("[metadata lock (", at + 1)) {
    ++count;
  }
  return count;
}

void ExpectMariadbWordsOnly(const std::string& what, const ProcessRun& plan) {
  ASSERT_EQ(plan.exit_code, 0) << what << ": " << plan.err;
  EXPECT_GT(LockedActions(plan.out), 0) << what << ":\n" << plan.out;
  for (const auto& found : PostgresLockModesIn(plan.out + plan.err)) {
    ADD_FAILURE() << what << ": PostgreSQL lock mode " << found;
  }
  for (const auto& line : ForeignLockTexts(plan.out)) {
    ADD_FAILURE() << what << ": a lock that is not MariaDB's words: " << line;
  }
}

TEST(MariadbPlanLockText, TheCheckSeesPostgresLockModes) {
  EXPECT_EQ(PostgresLockModesIn("-- a  [ACCESS EXCLUSIVE on users]\nLOCK=SHARED\n").size(), 2u)
      << "ACCESS EXCLUSIVE, and EXCLUSIVE within it";
  EXPECT_EQ(PostgresLockModesIn("-- a  [SHARE UPDATE EXCLUSIVE on t]").size(), 3u);
  EXPECT_TRUE(PostgresLockModesIn("ALTER TABLE t ADD c int, LOCK=SHARED; -- shared lock").empty());
  EXPECT_EQ(ForeignLockTexts("-- a  [ACCESS SHARE on users]\n-- b  [metadata lock (shared; reads "
                             "only) on users]  [outside transaction]\n-- c  [outside "
                             "transaction]\n"),
            (std::vector<std::string>{"-- a  [ACCESS SHARE on users]"}));
}

// Each example planned alone on what the ones before it made (applied with
// start --complete). Planned together they are refused: 04 alters a column
// 03 adds, which MariaDB's planner leaves to the migration that made it.
TEST(MariadbPlanLockText, EveryExampleOfExamplesMariadb) {
  MariadbSplit db;
  db.Run("DROP TABLE users");  // 01_create_users.yaml creates it
  ASSERT_EQ(db.Zeroshift({"init"}).exit_code, 0);
  const std::string dir = std::string(zs::testing::SourceDir()) + "/examples/mariadb";
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 5u);
  for (const auto& file : files) {
    ExpectMariadbWordsOnly(file, db.Zeroshift({"plan", file}, "", /*quiet=*/false));
    // validate's summary counts the same locks, in the same words.
    ProcessRun validated = db.Zeroshift({"validate", file}, "", /*quiet=*/false);
    ASSERT_EQ(validated.exit_code, 0) << file << ": " << validated.err;
    EXPECT_NE(validated.out.find(" x metadata lock ("), std::string::npos) << validated.out;
    for (const auto& found : PostgresLockModesIn(validated.out)) {
      ADD_FAILURE() << file << ": validate says PostgreSQL lock mode " << found;
    }
    ProcessRun applied = db.Zeroshift({"start", file, "--complete"});
    ASSERT_EQ(applied.exit_code, 0) << file << ": " << applied.err;
    if (file == files.front()) {
      db.Run("INSERT INTO users VALUES (1, 'Ada Lovelace'), (2, 'Jean Claude Van Damme')");
    }
  }
}

// One migration per operation MariaDB runs, on a schema that has what each
// one needs; each is only planned, on the same schema.
TEST(MariadbPlanLockText, OneMigrationPerOperation) {
  MariadbSplit db;
  db.Run("CREATE TABLE teams (id bigint PRIMARY KEY, label varchar(40) NOT NULL)");
  db.Run("INSERT INTO teams VALUES (1, 'core')");
  db.Run("CREATE TABLE legacy (id int PRIMARY KEY)");
  db.Run(
      "ALTER TABLE users ADD visits int NOT NULL DEFAULT 0, ADD email varchar(100) NULL, "
      "ADD team_id bigint NULL, ADD owner_id bigint NULL, ADD note varchar(100) NULL, "
      "ADD tag int NULL, ADD zip int NULL, ADD city int NULL, "
      "ADD CONSTRAINT users_email_key UNIQUE (email), "
      "ADD CONSTRAINT users_zip_city_key UNIQUE (zip, city), "
      "ADD INDEX users_tag_idx (tag), "
      "ADD CONSTRAINT users_team_fk FOREIGN KEY (team_id) REFERENCES teams (id)");
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);

  const std::vector<std::pair<std::string, std::string>> migrations = {
      {"add_column", R"yaml(
  - add_column:
      table: users
      up: LEFT(name, 50)
      column: {name: nick, type: varchar(50), nullable: false}
)yaml"},
      {"add_column_unique", R"yaml(
  - add_column:
      table: users
      up: CAST(id AS CHAR)
      column: {name: code, type: varchar(20), nullable: true, unique: true}
)yaml"},
      {"add_column_check", R"yaml(
  - add_column:
      table: users
      up: "0"
      column: {name: score, type: int, nullable: true, check: {name: users_score_check, constraint: score >= 0}}
)yaml"},
      {"add_column_references", R"yaml(
  - add_column:
      table: users
      up: "NULL"
      column: {name: team2_id, type: bigint, nullable: true, references: {name: users_team2_fk, table: teams, column: id}}
)yaml"},
      {"drop_column", R"yaml(
  - drop_column:
      table: users
      column: note
      down: "NULL"
)yaml"},
      {"rename_column", "\n  - rename_column: {table: users, from: name, to: full_name}\n"},
      {"alter_column_type", mariadb_test::kWidenVisitsOperation},
      {"alter_column_nullable", R"yaml(
  - alter_column:
      table: users
      column: note
      nullable: false
      up: COALESCE(note, '')
      down: note
)yaml"},
      {"alter_column_default", R"yaml(
  - alter_column:
      table: users
      column: visits
      default: "1"
      up: visits
      down: visits
)yaml"},
      {"alter_column_comment", R"yaml(
  - alter_column:
      table: users
      column: note
      comment: what the user wrote
      up: note
      down: note
)yaml"},
      {"alter_column_unique", R"yaml(
  - alter_column:
      table: users
      column: note
      unique: {name: users_note_key}
      up: note
      down: note
)yaml"},
      {"alter_column_check", R"yaml(
  - alter_column:
      table: users
      column: visits
      check: {name: users_visits_max, constraint: visits < 1000000}
      up: LEAST(visits, 999999)
      down: visits
)yaml"},
      {"alter_column_references", R"yaml(
  - alter_column:
      table: users
      column: owner_id
      references: {name: users_owner_fk, table: teams, column: id}
      up: owner_id
      down: owner_id
)yaml"},
      {"create_table", R"yaml(
  - create_table:
      name: orders
      columns:
        - {name: id, type: bigint, pk: true}
        - {name: user_id, type: bigint, references: {name: orders_user_fk, table: users, column: id}}
        - {name: total, type: int, default: "0"}
)yaml"},
      {"drop_table", "\n  - drop_table: {name: legacy}\n"},
      {"rename_table", "\n  - rename_table: {from: legacy, to: archive}\n"},
      {"create_index", R"yaml(
  - create_index:
      name: users_team_idx
      table: users
      columns: [{column: team_id}]
)yaml"},
      {"drop_index", "\n  - drop_index: {name: users_tag_idx}\n"},
      {"sql", R"yaml(
  - sql:
      up: CREATE TABLE audit_log (id int PRIMARY KEY)
      down: DROP TABLE audit_log
)yaml"},
      {"create_constraint_check", R"yaml(
  - create_constraint:
      table: users
      name: users_visits_nonneg
      type: check
      columns: [visits]
      check: visits >= 0
      up: {visits: "GREATEST(visits, 0)"}
      down: {visits: visits}
)yaml"},
      {"create_constraint_unique", R"yaml(
  - create_constraint:
      table: users
      name: users_note_unique
      type: unique
      columns: [note]
      up: {note: note}
      down: {note: note}
)yaml"},
      {"create_constraint_foreign_key", R"yaml(
  - create_constraint:
      table: users
      name: users_owner_ref
      type: foreign_key
      columns: [owner_id]
      references: {table: teams, columns: [id]}
      up: {owner_id: owner_id}
      down: {owner_id: owner_id}
)yaml"},
      {"drop_constraint", R"yaml(
  - drop_constraint:
      table: users
      name: users_email_key
      up: email
      down: email
)yaml"},
      {"drop_multicolumn_constraint", R"yaml(
  - drop_multicolumn_constraint:
      table: users
      name: users_zip_city_key
      up: {zip: zip, city: city}
      down: {zip: zip, city: city}
)yaml"},
      {"rename_constraint_unique",
       "\n  - rename_constraint: {table: users, from: users_email_key, to: users_email_unique}\n"},
      {"rename_constraint_foreign_key",
       "\n  - rename_constraint: {table: users, from: users_team_fk, to: users_team_ref}\n"},
  };
  for (const auto& [name, operations] : migrations) {
    std::string file = db.WriteFile("02_" + name + ".yaml", "operations:" + operations);
    ExpectMariadbWordsOnly(name, db.Zeroshift({"plan", file}, "", /*quiet=*/false));
  }
}

}  // namespace
}  // namespace zs::engine
