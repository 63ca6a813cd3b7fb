// examples/mariadb/ (the seed's split in MariaDB's SQL and three more
// changes), each parsed, validated and planned against the catalog of a real
// MariaDB by the planner, then started, backfilled (the backfill's own UPDATE,
// backfill/mariadb_batch.h, over the whole table in one batch) and completed,
// in order, one statement per Action: the rows come out split, widened and
// indexed.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend/mariadb_backend.h"
#include "backfill/mariadb_batch.h"
#include "engine/planner.h"
#include "migration/parser.h"
#include "mysql/connection.h"
#include "schema/schema.h"
#include "testing/mariadb_sql.h"
#include "testing/shared_mariadb.h"
#include "testing/test_paths.h"
#include "triggers/mariadb_dual_write.h"
#include "versions/mariadb_version_schema.h"

namespace zs::engine {
namespace {

class MariadbExamples : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string url = zs::testing::FreshMariadbDatabaseUrl();
    conn_ = zs::testing::mariadb_sql::ConnectOrThrow(url);
    session_ = zs::testing::mariadb_sql::SessionOrThrow(url);
    database_ = Query("SELECT DATABASE()").front();
  }

  void Run(const std::string& sql) {
    Status status = conn_->Run(sql);
    if (!status.ok()) throw std::runtime_error(sql + ": " + status.ToString());
  }

  std::vector<std::string> Query(const std::string& sql) {
    return zs::testing::mariadb_sql::Rows(*conn_, sql);
  }

  void RunAll(const std::string& file, const std::vector<ops::Action>& actions) {
    for (const auto& action : actions) {
      Status status = conn_->Run(action.sql);
      ASSERT_TRUE(status.ok()) << file << " " << action.id << ": " << status.ToString() << "\n"
                               << action.sql;
    }
  }

  // Parses, validates and plans examples/mariadb/<file> against the catalog,
  // then runs start, the backfill's work and complete.
  void Migrate(const std::string& file) {
    std::ifstream in(std::string(zs::testing::SourceDir()) + "/examples/mariadb/" + file);
    ASSERT_TRUE(in) << file;
    std::stringstream text;
    text << in.rdbuf();
    auto migration = migration::ParseMigration(text.str(), file);
    ASSERT_TRUE(migration.ok()) << migration.status().ToString();
    auto operations = MakeOperations(*migration);
    ASSERT_TRUE(operations.ok()) << operations.status().ToString();
    auto base = schema::ReadSchema(*session_, database_);
    ASSERT_TRUE(base.ok()) << base.status().ToString();
    std::string version = versions::MariadbVersionDatabaseName(database_, migration->name, "");
    PlanInput input{.migration = &*migration,
                    .version_schema = version,
                    .previous_version_schema = previous_version_,
                    .server_version_num = static_cast<int>(conn_->ServerVersion()),
                    .backend = &backend::Mariadb()};
    auto plan = BuildPlan(input, *operations, std::move(base).value());
    ASSERT_TRUE(plan.ok()) << file << ": " << plan.status().ToString();
    ASSERT_NO_FATAL_FAILURE(RunAll(file, plan->expand));
    ASSERT_NO_FATAL_FAILURE(RunAll(file, plan->install));
    for (const auto& task : plan->backfill) ASSERT_NO_FATAL_FAILURE(Backfill(*plan, task.table));
    ASSERT_NO_FATAL_FAILURE(RunAll(file, plan->complete));
    previous_version_ = version;
  }

  // What one batch of the backfill runs, over every row.
  void Backfill(const Plan& plan, const std::string& table) {
    std::vector<triggers::TriggerSpec> up;
    for (const auto& spec : plan.trigger_specs) {
      if (spec.table == table && spec.direction == triggers::Direction::kUp) up.push_back(spec);
    }
    bool marker = false;
    for (const auto& action : plan.install) {
      marker = marker || action.id.find(":marker") != std::string::npos;
    }
    auto assignments = backfill::MariadbUpAssignments(table, up, marker);
    ASSERT_TRUE(assignments.ok()) << assignments.status().ToString();
    Run(std::string("SET ") + triggers::kMariadbBackfillVariable + " = 1");
    Run("UPDATE `" + table + "` SET " + assignments->set + " WHERE TRUE" + assignments->skip);
    Run(std::string("SET ") + triggers::kMariadbBackfillVariable + " = NULL");
  }

  std::vector<std::string> Columns() {
    return Query(
        "SELECT CONCAT(COLUMN_NAME, ' ', COLUMN_TYPE, IF(IS_NULLABLE = 'YES', '', ' NOT NULL')) "
        "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = "
        "'users' ORDER BY ORDINAL_POSITION");
  }

  std::unique_ptr<mysql::Connection> conn_;
  std::unique_ptr<backend::Session> session_;
  std::string database_;
  std::string previous_version_;
};

TEST_F(MariadbExamples, EachExamplePlansAndRunsInOrder) {
  ASSERT_NO_FATAL_FAILURE(Migrate("01_create_users.yaml"));
  Run("INSERT INTO users VALUES (1, 'Ada Lovelace'), (2, 'Jean Claude Van Damme'), (3, 'Cher')");
  ASSERT_NO_FATAL_FAILURE(Migrate("02_split_name.yaml"));
  EXPECT_EQ(Query("SELECT id, first_name, last_name FROM users ORDER BY id"),
            (std::vector<std::string>{"1|Ada|Lovelace", "2|Jean|Claude Van Damme", "3|Cher|NULL"}));
  ASSERT_NO_FATAL_FAILURE(Migrate("03_add_visits.yaml"));
  Run("UPDATE users SET visits = 2147483647 WHERE id = 1");
  ASSERT_NO_FATAL_FAILURE(Migrate("04_widen_visits.yaml"));
  Run("UPDATE users SET visits = visits + 1 WHERE id = 1");  // past INT's range now
  EXPECT_EQ(Query("SELECT id, visits FROM users ORDER BY id"),
            (std::vector<std::string>{"1|2147483648", "2|0", "3|0"}));
  ASSERT_NO_FATAL_FAILURE(Migrate("05_index_first_name.yaml"));
  EXPECT_EQ(Columns(),
            (std::vector<std::string>{"id bigint(20) NOT NULL", "first_name varchar(200)",
                                      "last_name varchar(200)", "visits bigint(20) NOT NULL"}));
  EXPECT_EQ(Query("SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = "
                  "DATABASE() AND TABLE_NAME = 'users' ORDER BY INDEX_NAME"),
            (std::vector<std::string>{"PRIMARY", "users_first_name"}));
}

}  // namespace
}  // namespace zs::engine
