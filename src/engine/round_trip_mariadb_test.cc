#include "engine/round_trip_mariadb.h"

#include <gtest/gtest.h>

#include "backend/mariadb_backend.h"
#include "schema/schema.h"
#include "testing/mariadb_session_test.h"

namespace zs::engine {
namespace {

using triggers::Direction;
using triggers::TriggerSpec;

class RoundTripMariadb : public testing::MariadbSessionTest {
 protected:
  void SetUp() override {
    MariadbSessionTest::SetUp();
    if (HasFatalFailure()) return;
  }

  TriggerSpec Spec(Direction direction, std::vector<std::pair<std::string, std::string>> variables,
                   std::string target, std::string expression) {
    return TriggerSpec{.name = target,
                       .schema = database_,
                       .table = "users",
                       .direction = direction,
                       .version_schema = database_ + "_v2",
                       .variables = std::move(variables),
                       .target_column = std::move(target),
                       .expression = std::move(expression)};
  }

  Result<std::vector<std::string>> Check(const std::vector<TriggerSpec>& specs) {
    ZS_ASSIGN_OR_RETURN(schema::Schema live, schema::ReadSchema(*session_, database_));
    return CheckRoundTrips(*session_, specs, {live});
  }
};

TEST_F(RoundTripMariadb, ASplitThatLosesAMiddleNameIsShownWithItsRow) {
  Run("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100))");
  Run("INSERT INTO users VALUES (1, 'Ann Lee'), (2, 'Jean Claude Van Damme')");
  auto warnings = Check({
      Spec(Direction::kUp, {{"name", "name"}}, "first_name", "SUBSTRING_INDEX(name, ' ', 1)"),
      Spec(Direction::kUp, {{"name", "name"}}, "last_name", "SUBSTRING_INDEX(name, ' ', -1)"),
      Spec(Direction::kDown, {{"first_name", "first_name"}, {"last_name", "last_name"}}, "name",
           "CONCAT_WS(' ', first_name, last_name)"),
  });
  ASSERT_TRUE(warnings.ok()) << warnings.status().message();
  ASSERT_EQ(warnings->size(), 1u);
  const std::string& warning = warnings->front();
  EXPECT_NE(warning.find("users.name"), std::string::npos) << warning;
  EXPECT_NE(warning.find("1 of 2 sampled rows"), std::string::npos) << warning;
  EXPECT_NE(warning.find("id=2: 'Jean Claude Van Damme' comes back as 'Jean Damme'"),
            std::string::npos)
      << warning;
}

TEST_F(RoundTripMariadb, ACaseChangeIsALossUnderACaseInsensitiveCollation) {
  Run("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100)) COLLATE utf8mb4_general_ci");
  Run("INSERT INTO users VALUES (1, 'ann'), (2, 'Bo')");
  auto warnings = Check({
      Spec(Direction::kUp, {{"name", "name"}}, "lower_name", "LOWER(name)"),
      Spec(Direction::kDown, {{"lower_name", "lower_name"}}, "name", "lower_name"),
  });
  ASSERT_TRUE(warnings.ok()) << warnings.status().message();
  ASSERT_EQ(warnings->size(), 1u);
  EXPECT_NE(warnings->front().find("id=2: 'Bo' comes back as 'bo'"), std::string::npos)
      << warnings->front();
}

TEST_F(RoundTripMariadb, ALosslessPairSaysNothing) {
  Run("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100))");
  Run("INSERT INTO users VALUES (1, 'Ann Lee'), (2, NULL)");
  auto warnings = Check({
      Spec(Direction::kUp, {{"name", "name"}}, "full_name", "CONCAT('x', name)"),
      Spec(Direction::kDown, {{"full_name", "full_name"}}, "name", "SUBSTRING(full_name, 2)"),
  });
  ASSERT_TRUE(warnings.ok()) << warnings.status().message();
  EXPECT_TRUE(warnings->empty()) << warnings->front();
}

TEST_F(RoundTripMariadb, AnExpressionThatFailsIsReportedNotFatal) {
  Run("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100))");
  Run("INSERT INTO users VALUES (1, 'Ann Lee')");
  auto warnings = Check({
      Spec(Direction::kUp, {{"name", "name"}}, "first_name", "SUBSTRING_INDEX(name, ' ', 1)"),
      Spec(Direction::kDown, {{"first_name", "first_name"}}, "name",
           "no_such_function(first_name)"),
  });
  ASSERT_TRUE(warnings.ok()) << warnings.status().message();
  ASSERT_EQ(warnings->size(), 1u);
  EXPECT_NE(warnings->front().find("could not be checked"), std::string::npos) << warnings->front();
}

}  // namespace
}  // namespace zs::engine
