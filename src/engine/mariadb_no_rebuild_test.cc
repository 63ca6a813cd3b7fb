// `zeroshift start --no-rebuild` on MariaDB: start's online rebuild before
// the backfill (the dual write's `:rebuild` action, which rewrites the whole
// table in one statement, and a replica replays it as one) is skipped even
// where start would run it, and says so; the backfill fills every row
// itself, with the same result.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/mariadb_audit_test_util.h"
#include "versions/mariadb_version_schema.h"

namespace zs::engine {
namespace {

using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

using Rows = std::vector<std::string>;

// A type change whose temporary column is BIGINT NOT NULL: start rebuilds
// the table for it unless told not to (MariadbRebuild.*).
const std::string& kNoRebuildYaml = mariadb_test::kWidenVisitsYaml;

std::string NoRebuildTableId(MariadbSplit& db) {
  return db
      .Query("SELECT TABLE_ID FROM information_schema.INNODB_SYS_TABLES WHERE NAME = '" +
             db.database() + "/users'")
      .front();
}

TEST(MariadbNoRebuild, StartSkipsTheRebuildAndTheBackfillFillsEveryRow) {
  MariadbSplit db;
  db.Run("ALTER TABLE users ADD visits int NOT NULL DEFAULT 0");
  db.Run("UPDATE users SET visits = id * 10");
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  std::string id_before = NoRebuildTableId(db);
  ProcessRun start =
      db.Zeroshift({"start", "--no-rebuild", db.WriteFile("02_widen.yaml", kNoRebuildYaml)}, "",
                   /*quiet=*/false);
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_NE((start.out + start.err).find(":rebuild: skipped (--no-rebuild)"), std::string::npos)
      << start.out << start.err;
  EXPECT_EQ(NoRebuildTableId(db), id_before);  // not rebuilt
  std::string version = versions::MariadbVersionDatabaseName(db.database(), "02_widen", "");
  EXPECT_EQ(db.Query("SELECT CONCAT(id, '|', visits) FROM `" + version + "`.users ORDER BY id"),
            (Rows{"1|10", "2|20", "3|30", "4|40"}));
  ProcessRun complete = db.Zeroshift({"complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  EXPECT_EQ(db.Query("SELECT CONCAT(id, '|', visits) FROM users ORDER BY id"),
            (Rows{"1|10", "2|20", "3|30", "4|40"}));
  EXPECT_EQ(mariadb_audit::ColumnsOf(db, db.database(), "users").back(),
            "visits bigint(20) NOT NULL");
}

// Without the flag the same start rebuilds the table: what the test above
// skips is there to skip.
TEST(MariadbNoRebuild, WithoutTheFlagStartRebuilds) {
  MariadbSplit db;
  db.Run("ALTER TABLE users ADD visits int NOT NULL DEFAULT 0");
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  std::string id_before = NoRebuildTableId(db);
  ProcessRun start = db.Zeroshift({"start", db.WriteFile("02_widen.yaml", kNoRebuildYaml)});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_NE(NoRebuildTableId(db), id_before);
}

}  // namespace
}  // namespace zs::engine
