// zeroshift doctor on MariaDB reports the records disagreements `status`
// reports (engine/ownership_mariadb_records.h): an object the active
// migration's start recorded creating in zeroshift.created_objects that is
// missing, or is not the one it created (its InnoDB id changed), each as a
// `recorded_object` finding naming the object, in status's words, with what
// to run; --fix runs nothing for it. The migration is started by the built
// binary against a real MariaDB, so the records are start's own.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "backend/mariadb_backend.h"
#include "doctor/doctor.h"
#include "doctor/doctor_mariadb.h"
#include "engine/mariadb_engine_test_util.h"
#include "state/state_store.h"

namespace zs::doctor {
namespace {

using engine::mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

// An index on an existing table and a new table, both created by start.
constexpr const char* kDoctorRecordsYaml = engine::mariadb_test::kRecordsYaml;

class DoctorMariadbRecords : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.Run("CREATE TABLE items (id bigint PRIMARY KEY, label varchar(40) NOT NULL)");
    db_.Run("INSERT INTO items VALUES (1, 'bolt'), (2, 'nut')");
    ASSERT_EQ(db_.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
    ProcessRun start =
        db_.Zeroshift({"start", db_.WriteFile("03_records.yaml", kDoctorRecordsYaml)});
    ASSERT_EQ(start.exit_code, 0) << start.err;
    auto backend = backend::MariadbBackendForUrl(db_.url());
    ASSERT_TRUE(backend.ok()) << backend.status().ToString();
    auto session = (*backend)->Connect(db_.url());
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    session_ = std::move(session).value();
  }

  // The recorded_object findings of a fresh diagnosis.
  std::vector<Finding> Recorded() {
    auto report = Diagnose(*session_, db_.database());
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    std::vector<Finding> out;
    if (!report.ok()) return out;
    for (const auto& finding : report->findings) {
      if (finding.kind == kRecordedObject) out.push_back(finding);
    }
    return out;
  }

  // What `status` says to do next (its JSON's active.next).
  std::string StatusNext() {
    ProcessRun status = db_.Zeroshift({"status"});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    nlohmann::json json = nlohmann::json::parse(status.out, nullptr, false);
    if (json.is_discarded() || !json["active"].is_object()) return "";
    return json["active"]["next"].get<std::string>();
  }

  std::string Quoted(const std::string& name) const { return "`" + name + "`"; }

  MariadbSplit db_;
  std::unique_ptr<backend::Session> session_;
};

TEST_F(DoctorMariadbRecords, NothingWhenEveryRecordedObjectIsStartsOwn) {
  EXPECT_TRUE(Recorded().empty());
  ProcessRun doctor = db_.Zeroshift({"doctor"});
  EXPECT_EQ(doctor.exit_code, 0) << doctor.out << doctor.err;
}

TEST_F(DoctorMariadbRecords, AMissingIndexIsAFindingInStatusWordsThatFixLeavesAlone) {
  db_.Run("DROP INDEX items_label_idx ON items");
  std::vector<Finding> found = Recorded();
  ASSERT_EQ(found.size(), 1u);
  const Finding& f = found[0];
  EXPECT_EQ(f.object, Quoted(db_.database()) + ".`items`.`items_label_idx`");
  EXPECT_NE(f.reason.find("migration \"03_records\" (step active) recorded creating index "
                          "`items_label_idx` of " +
                          Quoted(db_.database()) + ".`items`, which is missing"),
            std::string::npos)
      << f.reason;
  EXPECT_NE(f.reason.find("Do not complete: `zeroshift rollback` undoes the migration"),
            std::string::npos)
      << f.reason;
  EXPECT_TRUE(f.fix_sql.empty()) << f.fix_sql;
  EXPECT_EQ(f.active_migration, "03_records");
  // The same facts as status, in its words.
  EXPECT_NE(StatusNext().find(f.reason), std::string::npos) << StatusNext() << "\n" << f.reason;

  ProcessRun doctor = db_.Zeroshift({"doctor"});
  EXPECT_EQ(doctor.exit_code, 1) << doctor.out << doctor.err;
  EXPECT_NE(doctor.out.find("recorded_object " + f.object), std::string::npos) << doctor.out;
  EXPECT_NE(doctor.out.find("fix: (none: see why)"), std::string::npos) << doctor.out;

  auto fixed = Fix(*session_, db_.database(), {});
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_TRUE(fixed->fixed.empty()) << fixed->ToText();
  EXPECT_EQ(Recorded().size(), 1u);

  // What the finding says to run clears it.
  ProcessRun rollback = db_.Zeroshift({"rollback"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  EXPECT_TRUE(Recorded().empty());
}

TEST_F(DoctorMariadbRecords, ReplacedIndexAndTableAreFindingsNamingTheChangedId) {
  db_.Run("DROP INDEX items_label_idx ON items");
  db_.Run("CREATE INDEX items_label_idx ON items (id, label)");
  db_.Run("DROP TABLE orders");
  db_.Run("CREATE TABLE orders (id int PRIMARY KEY, note text)");
  std::vector<Finding> found = Recorded();
  ASSERT_EQ(found.size(), 2u);
  std::vector<std::string> objects{found[0].object, found[1].object};
  std::sort(objects.begin(), objects.end());
  EXPECT_EQ(objects,
            (std::vector<std::string>{Quoted(db_.database()) + ".`items`.`items_label_idx`",
                                      Quoted(db_.database()) + ".`orders`"}));
  for (const Finding& f : found) {
    EXPECT_NE(f.reason.find("is not the one migration \"03_records\" (step active) created: its "
                            "InnoDB id is "),
              std::string::npos)
        << f.reason;
    EXPECT_NE(f.reason.find("leave it alone"), std::string::npos) << f.reason;
    EXPECT_TRUE(f.fix_sql.empty()) << f.fix_sql;
    EXPECT_NE(StatusNext().find(f.reason), std::string::npos) << StatusNext();
  }
}

// Part-way through complete or rollback the objects are meant to be going:
// as status, doctor does not hold their absence against the records.
TEST_F(DoctorMariadbRecords, NotReportedOncePartWayThroughRollback) {
  db_.Run("DROP INDEX items_label_idx ON items");
  ASSERT_EQ(Recorded().size(), 1u);
  Status step = state::OpenStateStore(*session_)->SetStep(db_.database(), "03_records",
                                                          state::Step::kRollingBack);
  ASSERT_TRUE(step.ok()) << step.ToString();
  EXPECT_TRUE(Recorded().empty());
}

}  // namespace
}  // namespace zs::doctor
