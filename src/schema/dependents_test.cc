#include "schema/dependents.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "backend/postgres_backend.h"
#include "pg/connection.h"
#include "testing/shared_cluster.h"

namespace zs::schema {
namespace {

std::vector<std::string> PostgresDescribed(const std::vector<Dependent>& dependents) {
  std::vector<std::string> out;
  for (const Dependent& dependent : dependents) {
    out.push_back(dependent.kind + ": " + dependent.description);
  }
  return out;
}

// Behind the seam, a PostgreSQL session answers with the pg::Connection code.
TEST(PostgresDependentsTest, TheSessionOverloadsAnswerAsThePgConnectionOnes) {
  Result<pg::Connection> opened = pg::Connection::Open(zs::testing::FreshDatabaseUrl());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  pg::Connection conn = std::move(opened).value();
  ASSERT_TRUE(conn.Run("CREATE TABLE users (id int PRIMARY KEY, email text, "
                       "email_len int GENERATED ALWAYS AS (length(email)) STORED);"
                       "CREATE VIEW by_email AS SELECT id, email FROM users;"
                       "CREATE PUBLICATION everything FOR TABLE users")
                  .ok());
  Result<std::vector<Dependent>> direct =
      ReadColumnDependents(conn, "public", "users", "email", {});
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  EXPECT_EQ(PostgresDescribed(*direct),
            (std::vector<std::string>{"generated column: default value for column email_len of "
                                      "table users",
                                      "view: rule _RETURN on view by_email"}));

  backend::PostgresSession session(conn);
  Result<std::vector<Dependent>> seam =
      ReadColumnDependents(session, "public", "users", "email", {});
  ASSERT_TRUE(seam.ok()) << seam.status().ToString();
  EXPECT_EQ(PostgresDescribed(*seam), PostgresDescribed(*direct));
  Result<std::vector<std::string>> publications =
      PublicationsOfAllColumns(session, "public", "users");
  ASSERT_TRUE(publications.ok()) << publications.status().ToString();
  EXPECT_EQ(*publications, (std::vector<std::string>{"everything"}));
}

}  // namespace
}  // namespace zs::schema
