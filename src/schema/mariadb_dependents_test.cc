#include "schema/mariadb_dependents.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/mariadb_backend.h"
#include "mysql/connection.h"
#include "testing/shared_mariadb.h"

namespace zs::schema {
namespace {

std::string MariadbDatabaseOf(const std::string& url) {
  Result<mysql::ConnectParams> params = mysql::ParseUrl(url);
  EXPECT_TRUE(params.ok()) << params.status().ToString();
  return params.ok() ? params->database : "";
}

std::vector<std::string> Described(const std::vector<Dependent>& dependents) {
  std::vector<std::string> out;
  for (const Dependent& dependent : dependents) {
    out.push_back(dependent.kind + ": " + dependent.description);
  }
  return out;
}

class MariadbDependentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshMariadbDatabaseUrl();
    database_ = MariadbDatabaseOf(url_);
    other_url_ = zs::testing::FreshMariadbDatabaseUrl();
    other_ = MariadbDatabaseOf(other_url_);
    Result<mysql::Connection> conn = mysql::Connection::Open(url_);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_.emplace(std::move(conn).value());
    const std::string users = "`" + database_ + "`.`users`";
    for (const std::string& sql : {
             std::string("CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100), "
                         "name TEXT, `full name` TEXT, email_len INT AS (CHAR_LENGTH(email)))"),
             std::string("CREATE TABLE accounts (id INT PRIMARY KEY, email VARCHAR(100))"),
             std::string("CREATE VIEW by_email AS SELECT id, email FROM users"),
             std::string("CREATE VIEW aliased AS SELECT u.id, u.email AS mail FROM users u"),
             std::string("CREATE VIEW names_only AS SELECT id, name FROM users"),
             std::string("CREATE VIEW account_emails AS SELECT email FROM accounts"),
             "CREATE VIEW `" + other_ + "`.elsewhere AS SELECT email FROM " + users,
             std::string("CREATE TRIGGER users_bi BEFORE INSERT ON users FOR EACH ROW "
                         "SET NEW.name = LOWER(new.EMAIL)"),
             std::string("CREATE TRIGGER users_bu BEFORE UPDATE ON users FOR EACH ROW "
                         "SET NEW.name = 'email'"),
             std::string("CREATE TRIGGER _zs_users_dual BEFORE DELETE ON users FOR EACH ROW "
                         "SET @x = OLD.email"),
             std::string("CREATE TRIGGER accounts_bi BEFORE INSERT ON accounts FOR EACH ROW "
                         "SET NEW.email = LOWER(NEW.email)"),
             std::string("CREATE TRIGGER users_full BEFORE UPDATE ON users FOR EACH ROW "
                         "FOLLOWS users_bu SET NEW.`full name` = NEW.name"),
         }) {
      Status status = conn_->Run(sql);
      ASSERT_TRUE(status.ok()) << sql << ": " << status.ToString();
    }
  }

  std::vector<std::string> DependentsOf(const std::string& column,
                                        const std::vector<std::string>& ignored = {}) {
    Result<std::vector<Dependent>> dependents =
        ReadMariadbColumnDependents(*conn_, database_, "users", column, ignored);
    EXPECT_TRUE(dependents.ok()) << dependents.status().ToString();
    return dependents.ok() ? Described(*dependents) : std::vector<std::string>{};
  }

  std::string url_, database_, other_url_, other_;
  std::optional<mysql::Connection> conn_;
};

TEST_F(MariadbDependentsTest, FindsViewsGeneratedColumnsAndTriggersNamingTheColumn) {
  EXPECT_EQ(DependentsOf("email"), (std::vector<std::string>{
                                       "generated column: generated column `email_len`",
                                       "trigger body: trigger `users_bi`",
                                       "view: view `" + database_ + "`.`aliased`",
                                       "view: view `" + database_ + "`.`by_email`",
                                       "view: view `" + other_ + "`.`elsewhere`",
                                   }));
}

TEST_F(MariadbDependentsTest, LeavesOutIgnoredDatabasesAndOtherColumns) {
  EXPECT_EQ(DependentsOf("email", {other_}), (std::vector<std::string>{
                                                 "generated column: generated column `email_len`",
                                                 "trigger body: trigger `users_bi`",
                                                 "view: view `" + database_ + "`.`aliased`",
                                                 "view: view `" + database_ + "`.`by_email`",
                                             }));
  // The generated column itself and a column nothing reads.
  EXPECT_TRUE(DependentsOf("email_len").empty());
  EXPECT_EQ(DependentsOf("full name"),
            (std::vector<std::string>{"trigger body: trigger `users_full`"}));
  EXPECT_EQ(
      DependentsOf("name"),
      (std::vector<std::string>{
          "trigger body: trigger `users_bi`", "trigger body: trigger `users_bu`",
          "trigger body: trigger `users_full`", "view: view `" + database_ + "`.`names_only`"}));
}

TEST_F(MariadbDependentsTest, TheSessionOverloadsAnswerForMariadb) {
  Result<const backend::Backend*> backend = backend::MariadbBackendForUrl(url_);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  Result<std::unique_ptr<backend::Session>> session = (*backend)->Connect(url_);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  Result<std::vector<Dependent>> dependents =
      ReadColumnDependents(**session, database_, "users", "email", {other_});
  ASSERT_TRUE(dependents.ok()) << dependents.status().ToString();
  EXPECT_EQ(Described(*dependents), DependentsOf("email", {other_}));
  EXPECT_NE(AdviceFor(dependents->at(1)).find("every write to the table fails"), std::string::npos);
  Result<std::vector<std::string>> publications =
      PublicationsOfAllColumns(**session, database_, "users");
  ASSERT_TRUE(publications.ok()) << publications.status().ToString();
  EXPECT_TRUE(publications->empty());
}

}  // namespace
}  // namespace zs::schema
