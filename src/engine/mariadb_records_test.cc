// What start creates on MariaDB is recorded (engine/ownership_mariadb_records.h),
// and rollback drops only what is recorded and still the same object, through
// the built binary against a real MariaDB: a user who replaces zeroshift's
// index or table between start and rollback keeps theirs, and the log says
// why; status names a recorded object that is missing or replaced; a kill -9
// right after a CREATE, before its record, leaves a state whose re-run
// finishes and whose rollback drops exactly zeroshift's objects.
//
// Each defence was checked to fail without it, on the built binary against a
// throwaway server: with the records' identities set to 0 (what rollback
// knows without the identity check), rollback dropped the user's index; with
// the intent rows deleted after a kill at start:2 (start without the intent),
// the re-run's rollback left `orders` behind, which the kill test's Tables()
// catches; main's binary (RecordDisagreements returned nothing) gives the
// default next step, without "recorded creating".
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "engine/mariadb_engine_test_util.h"

namespace zs::engine {
namespace {

using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

// An index on items and a new table, both created by start.
constexpr const char* kMariadbRecordsYaml = mariadb_test::kRecordsYaml;

class MariadbRecords : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.Run("CREATE TABLE items (id bigint PRIMARY KEY, label varchar(40) NOT NULL)");
    db_.Run("INSERT INTO items VALUES (1, 'bolt'), (2, 'nut')");
    file_ = db_.WriteFile("03_records.yaml", kMariadbRecordsYaml);
    ProcessRun init = db_.Zeroshift({"init", "--no-baseline-version"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }

  void Start() {
    ProcessRun start = db_.Zeroshift({"start", file_});
    ASSERT_EQ(start.exit_code, 0) << start.err;
  }

  // The command's exit code; its whole output (log included) in `said`.
  int Run(const std::string& command, std::string& said) {
    ProcessRun run = db_.Zeroshift({command}, "", /*quiet=*/false);
    said = run.out + run.err;
    return run.exit_code;
  }

  std::vector<std::string> Indexes() {
    return db_.Query(
        "SELECT DISTINCT CONCAT(INDEX_NAME, ':', COLUMN_NAME) FROM information_schema.STATISTICS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'items' ORDER BY 1");
  }

  std::vector<std::string> Tables() {
    return db_.Query(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER "
        "BY 1");
  }

  std::string StatusNext() {
    ProcessRun status = db_.Zeroshift({"status"});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    nlohmann::json json = nlohmann::json::parse(status.out);
    if (!json["active"].is_object()) return "";
    return json["active"]["next"].get<std::string>();
  }

  MariadbSplit db_;
  std::string file_;
};

TEST_F(MariadbRecords, AnIndexTheUserReplacedSurvivesRollback) {
  Start();
  EXPECT_EQ(StatusNext().find("disagree"), std::string::npos) << StatusNext();
  // The user drops zeroshift's index and makes their own under its name.
  db_.Run("DROP INDEX items_label_idx ON items");
  db_.Run("CREATE INDEX items_label_idx ON items (id, label)");
  std::string next = StatusNext();
  EXPECT_NE(next.find("index `items_label_idx` of"), std::string::npos) << next;
  EXPECT_NE(next.find("is not the one"), std::string::npos) << next;

  std::string said;
  ASSERT_EQ(Run("rollback", said), 0) << said;
  EXPECT_EQ(Indexes(), (std::vector<std::string>{"items_label_idx:id", "items_label_idx:label",
                                                 "PRIMARY:id"}));
  EXPECT_NE(said.find("index `items_label_idx`"), std::string::npos) << said;
  EXPECT_NE(said.find("left alone"), std::string::npos) << said;
  EXPECT_EQ(Tables(), (std::vector<std::string>{"items", "users"}));  // orders was zeroshift's
}

TEST_F(MariadbRecords, ATableTheUserReplacedSurvivesRollback) {
  Start();
  db_.Run("DROP TABLE orders");
  db_.Run("CREATE TABLE orders (id int PRIMARY KEY, note text)");
  db_.Run("INSERT INTO orders VALUES (7, 'the user''s row')");
  EXPECT_NE(StatusNext().find("table `"), std::string::npos) << StatusNext();

  std::string said;
  ASSERT_EQ(Run("rollback", said), 0) << said;
  EXPECT_EQ(db_.Query("SELECT CONCAT(id, ':', note) FROM orders"),
            (std::vector<std::string>{"7:the user's row"}));
  EXPECT_NE(said.find("table `" + db_.database() + "`.`orders`"), std::string::npos) << said;
  EXPECT_NE(said.find("left alone"), std::string::npos) << said;
  EXPECT_EQ(Indexes(), (std::vector<std::string>{"PRIMARY:id"}));  // the index was zeroshift's
}

TEST_F(MariadbRecords, StatusNamesARecordedObjectThatIsMissing) {
  Start();
  db_.Run("DROP INDEX items_label_idx ON items");
  std::string next = StatusNext();
  EXPECT_NE(next.find("recorded creating index `items_label_idx` of"), std::string::npos) << next;
  EXPECT_NE(next.find("missing"), std::string::npos) << next;
  EXPECT_NE(next.find("zeroshift rollback"), std::string::npos) << next;
  std::string said;
  ASSERT_EQ(Run("rollback", said), 0) << said;
  EXPECT_EQ(Tables(), (std::vector<std::string>{"items", "users"}));
}

// Killed right after each statement of start (before its record): the
// re-run undoes the part-way start and starts again, and rollback then
// leaves exactly what was there before start.
TEST_F(MariadbRecords, AKillBetweenACreateAndItsRecordIsRecoveredExactly) {
  const std::vector<std::string> indexes = Indexes(), tables = Tables();
  int kills = 0;
  for (int k = 1; k <= 12; ++k) {
    std::string fault = "start:" + std::to_string(k);
    ProcessRun killed = db_.Zeroshift({"start", file_}, fault);
    if (killed.exit_code == 0) {
      ProcessRun rollback = db_.Zeroshift({"rollback"});
      ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
      break;
    }
    ASSERT_EQ(killed.exit_code, -1) << fault << ": " << killed.err;
    ++kills;
    ProcessRun rerun = db_.Zeroshift({"start", file_});
    ASSERT_EQ(rerun.exit_code, 0) << fault << ": " << rerun.err;
    EXPECT_EQ(Indexes(), (std::vector<std::string>{"items_label_idx:label", "PRIMARY:id"}))
        << fault;
    EXPECT_EQ(StatusNext().find("disagree"), std::string::npos) << fault;
    ProcessRun rollback = db_.Zeroshift({"rollback"});
    ASSERT_EQ(rollback.exit_code, 0) << fault << ": " << rollback.err;
    EXPECT_EQ(Indexes(), indexes) << fault;
    EXPECT_EQ(Tables(), tables) << fault;
  }
  EXPECT_GE(kills, 2) << "the index and the table are each created by a statement of start";
  EXPECT_EQ(Indexes(), indexes);
  EXPECT_EQ(Tables(), tables);
}

}  // namespace
}  // namespace zs::engine
