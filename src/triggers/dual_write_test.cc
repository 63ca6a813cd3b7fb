// The seam: DualWriteFor picks the implementation by the backend's kind, and
// PostgreSQL's behind the interface gives exactly what its free functions
// (which the planner calls) give.
#include "triggers/dual_write.h"

#include <gtest/gtest.h>

#include "backend/mariadb_backend.h"
#include "backend/postgres_backend.h"
#include "triggers/mariadb_dual_write.h"
#include "triggers/postgres_dual_write_origin.h"

namespace zs::triggers {
namespace {

std::vector<TriggerSpec> SplitSpecs(const std::string& schema, const std::string& table) {
  TriggerSpec first{.name = "_zs_users_00_first_name_up",
                    .schema = schema,
                    .table = table,
                    .direction = Direction::kUp,
                    .version_schema = schema + "_02_split_name",
                    .variables = {{"id", "id"}, {"name", "name"}},
                    .target_column = "first_name",
                    .target_unwritten_value = "NULL",
                    .expression = "(SUBSTRING_INDEX(name, ' ', 1))"};
  TriggerSpec last = first;
  last.name = "_zs_users_01_last_name_up";
  last.target_column = "last_name";
  last.expression = "(SUBSTRING_INDEX(name, ' ', -1))";
  TriggerSpec down{
      .name = "_zs_users_02_name_down",
      .schema = schema,
      .table = table,
      .direction = Direction::kDown,
      .version_schema = schema + "_02_split_name",
      .variables = {{"id", "id"}, {"first_name", "first_name"}, {"last_name", "last_name"}},
      .target_column = "name",
      .target_unwritten_value = "NULL",
      .expression = "(CONCAT_WS(' ', first_name, last_name))"};
  return {first, last, down};
}

TEST(DualWriteSeamTest, PostgresBehindTheInterfaceIsTheFreeFunctions) {
  const DualWriteSql& pg = DualWriteFor(backend::Postgres());
  EXPECT_EQ(&pg, &PostgresDualWrite());
  auto specs = SplitSpecs("public", "users");
  std::vector<ops::Action> install = pg.InstallActions(specs, {.before_update = {"mine"}});
  ASSERT_EQ(install.size(), 1u);
  EXPECT_EQ(install[0].id, "trigger:" + TableTriggerName("public", "users") + ":create");
  EXPECT_EQ(install[0].sql, CreateTableTriggerSql(specs));
  EXPECT_EQ(install[0].lock, ops::Lock::kAccessExclusive);
  EXPECT_EQ(install[0].table, "users");
  EXPECT_EQ(pg.DropSql("public", "users"),
            std::vector<std::string>{DropTableTriggerSql("public", "users")});
  EXPECT_EQ(pg.TriggerNames("public", "users"),
            (std::vector<std::string>{TableTriggerName("public", "users"),
                                      OriginTriggerName("public", "users"),
                                      OriginInsertTriggerName("public", "users")}));
  EXPECT_EQ(pg.IsVersionCondition("public_v2"), IsVersionCondition("public_v2"));
  EXPECT_TRUE(pg.InstallActions({}, {}).empty());
}

TEST(DualWriteSeamTest, MariadbInstallsOneStatementPerActionUnderThePinnedSqlMode) {
  const DualWriteSql& maria = DualWriteFor(backend::Mariadb());
  EXPECT_EQ(&maria, &MariadbDualWrite());
  std::vector<ops::Action> install =
      maria.InstallActions(SplitSpecs("app", "users"), {.before_update = {"a", "norm"}});
  ASSERT_EQ(install.size(), 4u);
  EXPECT_EQ(install[0].sql,
            "ALTER TABLE `app`.`users` ADD COLUMN IF NOT EXISTS `_zs_synced` BOOLEAN NULL, "
            "ALGORITHM=INSTANT");
  EXPECT_EQ(install[1].id, "trigger:_zs_users_dual_write_insert:create");
  EXPECT_EQ(install[2].id, "trigger:_zs_users_dual_write_update:create");
  // A backfill follows (the split has `up`): the table is rebuilt first.
  EXPECT_EQ(install[3].id, "trigger:_zs_users_dual_write_insert:rebuild");
  EXPECT_EQ(install[3].sql, "ALTER TABLE `app`.`users` FORCE, ALGORITHM=INPLACE, LOCK=NONE");
  EXPECT_NE(install[3].lock, ops::Lock::kAccessExclusive);  // only its lock waits are bounded
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(install[i].sql.rfind(
                  "SET STATEMENT sql_mode = "
                  "'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' FOR "
                  "CREATE OR REPLACE TRIGGER `app`.`_zs_users_dual_write_",
                  0),
              0u)
        << install[i].sql;
    EXPECT_EQ(install[i].table, "users");
  }
  // Only the UPDATE trigger has a user trigger to follow: the last one.
  EXPECT_EQ(install[1].sql.find("FOLLOWS"), std::string::npos);
  EXPECT_NE(install[2].sql.find("FOR EACH ROW FOLLOWS `norm`\n"), std::string::npos);
  EXPECT_EQ(maria.IsVersionCondition("app_v'2"),
            "COALESCE(@zeroshift_version = CONVERT('app_v''2' USING utf8mb4) COLLATE utf8mb4_bin, "
            "FALSE)");
  EXPECT_EQ(maria.DropSql("app", "users"),
            (std::vector<std::string>{
                "DROP TRIGGER IF EXISTS `app`.`_zs_users_dual_write_insert`",
                "DROP TRIGGER IF EXISTS `app`.`_zs_users_dual_write_update`",
                "ALTER TABLE IF EXISTS `app`.`users` DROP COLUMN IF EXISTS `_zs_synced`, "
                "ALGORITHM=INSTANT"}));
}

TEST(DualWriteSeamTest, MariadbTriggerNamesFitInSixtyFourCharactersDeterministically) {
  std::string long_table(60, 't');
  std::string insert = MariadbTriggerName(long_table, MariadbEvent::kInsert);
  std::string update = MariadbTriggerName(long_table, MariadbEvent::kUpdate);
  EXPECT_LE(insert.size(), 64u);
  EXPECT_LE(update.size(), 64u);
  EXPECT_NE(insert, update);
  EXPECT_EQ(insert, MariadbTriggerName(long_table, MariadbEvent::kInsert));
  EXPECT_NE(insert, MariadbTriggerName(std::string(61, 't'), MariadbEvent::kInsert));
  EXPECT_EQ(insert.rfind("_zs_tttt", 0), 0u);
  EXPECT_EQ(insert.substr(insert.size() - 7), "_insert");
}

}  // namespace
}  // namespace zs::triggers
