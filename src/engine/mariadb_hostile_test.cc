// Hostile inputs on MariaDB, one migration per case of
// testdata/mariadb_hostile.txt (the file says what each case must do), run
// through the built binary against a real throwaway MariaDB: `plan`, then
// `start`, then `rollback` when start succeeded. A crash (the PostgreSQL
// parser's Result::value() on MariaDB's SQL aborted the process) shows as an
// exit code other than 0 and 1. After a refusal, and after a rollback, the
// catalog of the database (and of any database named like its versions)
// and the rows must be exactly as before.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "engine/mariadb_engine_test_util.h"
#include "testing/test_paths.h"

namespace zs::engine {
namespace {

using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

struct HostileCase {
  std::string name;
  std::string expect;                 // ok, plans or refused
  std::vector<std::string> mentions;  // texts the refusal must hold
  std::string yaml;
};

std::vector<HostileCase> ReadCases() {
  std::ifstream in(std::string(zs::testing::SourceDir()) +
                   "/src/engine/testdata/mariadb_hostile.txt");
  std::vector<HostileCase> cases;
  HostileCase current;
  bool in_yaml = false;
  std::string line;
  while (std::getline(in, line)) {
    if (!in_yaml && (line.empty() || line[0] == '#')) continue;
    if (line == "---") {
      cases.push_back(current);
      current = HostileCase();
      in_yaml = false;
    } else if (in_yaml) {
      current.yaml += line + "\n";
    } else if (line.rfind("case: ", 0) == 0) {
      current.name = line.substr(6);
    } else if (line.rfind("expect: ", 0) == 0) {
      current.expect = line.substr(8);
    } else if (line.rfind("mentions: ", 0) == 0) {
      current.mentions.push_back(line.substr(10));
    } else {
      current.yaml += line + "\n";
      in_yaml = true;
    }
  }
  return cases;
}

// What a case must not change: every table's definition, column, index,
// constraint and trigger of the database and of the databases named like
// its versions, and the rows of the fixture's tables.
std::vector<std::string> Catalog(MariadbSplit& db) {
  const std::string ours =
      "(TABLE_SCHEMA = DATABASE() OR LEFT(TABLE_SCHEMA, CHAR_LENGTH(DATABASE()) + 1) = "
      "CONCAT(DATABASE(), '_'))";
  std::vector<std::string> out = db.VersionDatabases();
  auto add = [&](const std::string& sql) {
    for (auto& row : db.Query(sql)) out.push_back(std::move(row));
  };
  add("SELECT CONCAT_WS('|', TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE) FROM information_schema.TABLES "
      "WHERE " +
      ours + " ORDER BY 1");
  add("SELECT CONCAT_WS('|', TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, "
      "COLUMN_TYPE, IS_NULLABLE, IFNULL(COLUMN_DEFAULT, 'none'), COLUMN_COMMENT) FROM "
      "information_schema.COLUMNS WHERE " +
      ours + " ORDER BY 1");
  add("SELECT CONCAT_WS('|', TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME) "
      "FROM information_schema.STATISTICS WHERE " +
      ours + " ORDER BY 1");
  add("SELECT CONCAT_WS('|', CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE) FROM "
      "information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY 1");
  add("SELECT CONCAT_WS('|', TRIGGER_SCHEMA, TRIGGER_NAME) FROM information_schema.TRIGGERS "
      "WHERE TRIGGER_SCHEMA = DATABASE() OR LEFT(TRIGGER_SCHEMA, CHAR_LENGTH(DATABASE()) + 1) = "
      "CONCAT(DATABASE(), '_') ORDER BY 1");
  add("SELECT CONCAT_WS('|', id, name) FROM users ORDER BY id");
  add("SELECT CONCAT_WS('|', id, qty, IFNULL(note, 'NULL')) FROM orders ORDER BY id");
  add("SELECT CONCAT_WS('|', a, b, IFNULL(zip, 'NULL')) FROM pairs ORDER BY a, b");
  add("SELECT CONCAT_WS('|', tenant, code, IFNULL(label, 'NULL')) FROM codes ORDER BY 1");
  return out;
}

// "start failed: exit 134" rather than a wall of text when the process crashed.
std::string Outcome(const ProcessRun& run) {
  return "exit " + std::to_string(run.exit_code) + "; stderr: " + run.err;
}

class MariadbHostile : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.Run("CREATE TABLE orders (id int PRIMARY KEY, qty int NOT NULL, note varchar(100))");
    db_.Run("INSERT INTO orders VALUES (1, 3, 'first'), (2, 5, NULL)");
    db_.Run("CREATE TABLE pairs (a int, b int, zip int, PRIMARY KEY (a, b))");
    db_.Run("INSERT INTO pairs VALUES (1, 1, 10), (1, 2, 20), (2, 1, NULL)");
    db_.Run(
        "CREATE TABLE codes (tenant int NOT NULL, code varchar(10) NOT NULL, label "
        "varchar(20), UNIQUE KEY (tenant, code))");
    db_.Run("INSERT INTO codes VALUES (1, 'a', 'x'), (1, 'b', NULL), (2, 'a', 'y')");
    ProcessRun init = db_.Zeroshift({"init"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }

  void RunCase(const HostileCase& c, int number) {
    SCOPED_TRACE("case " + c.name);
    const std::string base = fmt::format("{:02}_{}", 10 + number, c.name);
    const std::string file = db_.WriteFile(base + ".yaml", c.yaml);
    const std::vector<std::string> before = Catalog(db_);

    ProcessRun plan = db_.Zeroshift({"plan", file});
    if (c.expect == "plans") {
      EXPECT_EQ(plan.exit_code, 0) << Outcome(plan);
      EXPECT_EQ(Catalog(db_), before);
      return;
    }
    if (c.expect == "ok") {
      ASSERT_EQ(plan.exit_code, 0) << Outcome(plan);
      ProcessRun start = db_.Zeroshift({"start", file});
      ASSERT_EQ(start.exit_code, 0) << Outcome(start);
      ProcessRun rollback = db_.Zeroshift({"rollback"});
      ASSERT_EQ(rollback.exit_code, 0) << Outcome(rollback);
      EXPECT_EQ(Catalog(db_), before) << "rollback left the catalog changed";
      return;
    }
    ASSERT_EQ(c.expect, "refused") << "unknown expectation in the data file";
    ProcessRun start = db_.Zeroshift({"start", file});
    for (const ProcessRun* run : {&plan, &start}) {
      // 1: refused with a message; anything else is a crash or a success.
      EXPECT_EQ(run->exit_code, 1) << Outcome(*run);
      EXPECT_NE(run->err.find(base + ".yaml:"), std::string::npos) << run->err;
      for (const auto& text : c.mentions) {
        EXPECT_NE(run->err.find(text), std::string::npos) << "no `" << text << "` in " << run->err;
      }
    }
    EXPECT_EQ(Catalog(db_), before) << "a refused migration changed the database";
  }

  MariadbSplit db_;
};

TEST_F(MariadbHostile, EveryCaseOfTheDataFileRunsCleanlyOrIsRefusedBeforeAnythingRuns) {
  std::vector<HostileCase> cases = ReadCases();
  ASSERT_GE(cases.size(), 20u) << "testdata/mariadb_hostile.txt not found or cut short";
  for (size_t i = 0; i < cases.size(); ++i) {
    RunCase(cases[i], static_cast<int>(i));
    if (::testing::Test::HasFatalFailure()) {
      // A case that left a migration active would make every later one fail: clean up.
      db_.Zeroshift({"rollback"});
    }
  }
}

}  // namespace
}  // namespace zs::engine
