// Issue 18: validate and plan check, on sampled live rows, that `down` gives
// back what `up` took, and show the rows where it does not. The seed's pair
// (split_part(name, ' ', 2), `first || ' ' || last`) loses "Van Damme" and
// adds a space to a one-word name; the shipped example loses nothing.
#include "engine/round_trip.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "migration/parser.h"
#include "testing/seed_migration.h"
#include "testing/shared_cluster.h"
#include "testing/test_paths.h"
#include "testing/test_support.h"

namespace zs::engine {
namespace {

using test_util::Parse;
using zs::testing::MustRun;
using zs::testing::Open;

class RoundTripTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    admin_ = std::make_unique<pg::Connection>(Open(url_));
    MustRun(*admin_, "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL)");
    MustRun(*admin_,
            "INSERT INTO users (name) VALUES ('Ada Lovelace'), ('Jean Claude Van Damme'), "
            "('Cher'), ('Grace Hopper')");
    Result<Engine> engine = Engine::Connect(url_, Options{});
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::make_unique<Engine>(std::move(engine).value());
    ASSERT_TRUE(engine_->Init().ok());
  }

  static std::string Example() {
    std::ifstream in(std::string(zs::testing::SourceDir()) + "/examples/02_split_name.yaml");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static std::string Lossy(const Plan& plan) {
    std::string out;
    for (const auto& w : plan.warnings) {
      if (w.find("does not give back") != std::string::npos) out += w + "\n";
    }
    return out;
  }

  std::string url_;
  std::unique_ptr<pg::Connection> admin_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(RoundTripTest, PlanAndValidateShowTheRowsALossyPairChanges) {
  migration::Migration seed = Parse(zs::testing::kSplitNameYaml);
  Result<Plan> plan = engine_->PlanMigration(seed);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::string lossy = Lossy(*plan);
  EXPECT_NE(lossy.find("users.name: its `down` does not give back"), std::string::npos) << lossy;
  EXPECT_NE(lossy.find("from 2 of 4 sampled rows"), std::string::npos) << lossy;
  EXPECT_NE(lossy.find("id=2: 'Jean Claude Van Damme' comes back as 'Jean Claude'"),
            std::string::npos)
      << lossy;
  EXPECT_NE(lossy.find("id=3: 'Cher' comes back as 'Cher '"), std::string::npos) << lossy;
  EXPECT_EQ(lossy.find("Ada"), std::string::npos) << "a row that comes back is not listed";
  EXPECT_NE(FormatPlan(*plan).find("-- warning: users.name: its `down`"), std::string::npos);

  Result<Plan> validated = engine_->ValidateMigration(seed);
  ASSERT_TRUE(validated.ok()) << validated.status().ToString();
  EXPECT_EQ(Lossy(*validated), lossy);
  EXPECT_FALSE(admin_->InTransaction());
}

TEST_F(RoundTripTest, TheShippedExampleGivesEveryRowBack) {
  MustRun(*admin_, "INSERT INTO users (name) VALUES ('Trailing '), (' Leading'), ('Two  Spaces')");
  Result<Plan> plan = engine_->ValidateMigration(Parse(Example()));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(Lossy(*plan), "");
}

// Long values are cut and control characters escaped: a message never
// carries a whole document or moves the terminal's cursor.
TEST_F(RoundTripTest, ExamplesAreCutAndEscaped) {
  MustRun(*admin_, "TRUNCATE users");
  MustRun(*admin_, "INSERT INTO users (name) SELECT E'A B C\\t' || repeat('x', 200)");
  Result<Plan> plan = engine_->PlanMigration(Parse(zs::testing::kSplitNameYaml));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::string lossy = Lossy(*plan);
  EXPECT_NE(lossy.find("'A B C\\x09xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'"), std::string::npos)
      << lossy;
  EXPECT_EQ(lossy.find(std::string(100, 'x')), std::string::npos) << lossy;
}

// A pair on one column (alter_column's type change): the `down` reads the
// temporary column the `up` fills. '007' becomes 7 and comes back as '7'.
TEST_F(RoundTripTest, AlterColumnPairOnOneColumn) {
  MustRun(*admin_, "CREATE TABLE codes (id int PRIMARY KEY, n text NOT NULL)");
  MustRun(*admin_, "INSERT INTO codes VALUES (1, '10'), (2, '007'), (3, '42')");
  Result<Plan> plan = engine_->PlanMigration(Parse(R"yaml(operations:
  - alter_column:
      table: codes
      column: n
      type: integer
      up: n::integer
      down: n::text
)yaml"));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::string lossy = Lossy(*plan);
  EXPECT_NE(lossy.find("codes.n: its `down`"), std::string::npos) << lossy;
  EXPECT_NE(lossy.find("from 1 of 3 sampled rows"), std::string::npos) << lossy;
  EXPECT_NE(lossy.find("id=2: '007' comes back as '7'"), std::string::npos) << lossy;
}

// A `down` that fails on a row (here: a cast) is reported, not fatal, and
// the check never writes (READ ONLY).
TEST_F(RoundTripTest, AnExpressionThatFailsIsReportedNotFatal) {
  MustRun(*admin_, "CREATE TABLE counters (id int PRIMARY KEY, n text NOT NULL)");
  MustRun(*admin_, "INSERT INTO counters VALUES (1, '10'), (2, 'ten')");
  migration::Migration m = Parse(R"yaml(operations:
  - alter_column:
      table: counters
      column: n
      type: integer
      up: n::integer
      down: n::text
)yaml");
  Result<Plan> plan = engine_->PlanMigration(m);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::string all;
  for (const auto& w : plan->warnings) all += w + "\n";
  EXPECT_NE(all.find("could not be checked"), std::string::npos) << all;
  EXPECT_NE(all.find("invalid input syntax for type integer"), std::string::npos) << all;
  EXPECT_FALSE(admin_->InTransaction());
}

}  // namespace
}  // namespace zs::engine
