// VersionSql::CheckName: each backend holds a version's name to its own
// limit. PostgreSQL: 63 bytes (it would cut a longer name, so two migrations
// would share one version schema). MariaDB: 64 characters, whatever their
// bytes, and nothing it cannot store.
#include <gtest/gtest.h>

#include <string>

#include "backend/mariadb_backend.h"
#include "backend/postgres_backend.h"
#include "versions/version_schema.h"

namespace zs::versions {
namespace {

const VersionSql& PostgresNames() { return VersionSqlFor(backend::Postgres()); }
const VersionSql& MariadbNames() { return VersionSqlFor(backend::Mariadb()); }

// `n` times "é" (two bytes each).
std::string Accents(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "\xc3\xa9";
  return out;
}

TEST(VersionName, PostgresqlAccepts63BytesAndRefuses64) {
  EXPECT_TRUE(PostgresNames().CheckName(std::string(63, 'v'), "m.yaml").ok());
  Status refused = PostgresNames().CheckName(std::string(64, 'v'), "m.yaml");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.message(), "m.yaml: the version schema \"" + std::string(64, 'v') +
                                   "\" would be 64 bytes long; PostgreSQL identifiers are at most "
                                   "63 bytes: give the migration a shorter `name`, or set a "
                                   "shorter `version_schema`");
}

TEST(VersionName, MariadbCountsCharactersUpTo64) {
  EXPECT_TRUE(MariadbNames().CheckName(std::string(64, 'v'), "m.yaml").ok());
  // 64 characters in 128 bytes: MariaDB keeps it, PostgreSQL would cut it.
  EXPECT_TRUE(MariadbNames().CheckName(Accents(64), "m.yaml").ok());
  EXPECT_FALSE(PostgresNames().CheckName(Accents(64), "m.yaml").ok());
  Status refused = MariadbNames().CheckName(std::string(65, 'v'), "m.yaml");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("m.yaml: the version database \"" + std::string(65, 'v')),
            std::string::npos)
      << refused.message();
  EXPECT_NE(refused.message().find("64"), std::string::npos) << refused.message();
}

TEST(VersionName, MariadbRefusesWhatItCannotStore) {
  // An emoji is stored in utf8mb4 only; MariaDB keeps names in utf8mb3.
  Status refused = MariadbNames().CheckName("shop_\xf0\x9f\x98\x80", "migration \"x\"");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("migration \"x\": the version database"), std::string::npos)
      << refused.message();
}

TEST(VersionName, MariadbNamesOfLongMigrationsFit) {
  std::string name = MariadbNames().VersionName("shop", std::string(100, 'm'), "");
  EXPECT_TRUE(MariadbNames().CheckName(name, "m.yaml").ok()) << name;
}

}  // namespace
}  // namespace zs::versions
