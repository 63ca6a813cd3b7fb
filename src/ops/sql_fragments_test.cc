// The SQL fragments the operations accept (sqlcheck), without a server.
#include <gtest/gtest.h>

#include "ops/create_index/create_index.h"
#include "ops/raw_sql/raw_sql.h"
#include "sqlcheck/expression.h"

namespace zs::ops {
namespace {

// --------------------------------------------------------- sqlcheck fragments

TEST(IndexOpsSql, SplitStatementsClassifiesWhatMustRunOutsideATransaction) {
  auto statements = sqlcheck::SplitStatements(
      "CREATE INDEX CONCURRENTLY i ON s.t (a);\n"
      "CREATE INDEX CONCURRENTLY IF NOT EXISTS j ON t (a);\n"
      "DROP INDEX CONCURRENTLY i; REINDEX (CONCURRENTLY false) TABLE t;\n"
      "VACUUM t; ANALYZE t; ALTER TABLE p DETACH PARTITION c CONCURRENTLY; COMMIT",
      "test");
  ASSERT_TRUE(statements.ok()) << statements.status().ToString();
  std::vector<std::string> seen;
  for (const auto& s : *statements) {
    seen.push_back(
        s.text + (s.outside_transaction ? " [outside]" : "") +
        (s.share_update_exclusive ? " [sue]" : "") + (s.transaction_control ? " [tx]" : "") +
        (s.index_name.empty() ? "" : " [index " + s.index_schema + "." + s.index_name + "]"));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "CREATE INDEX CONCURRENTLY i ON s.t (a) [outside] [sue] [index s.i]",
                      "CREATE INDEX CONCURRENTLY IF NOT EXISTS j ON t (a) [outside] [sue]",
                      "DROP INDEX CONCURRENTLY i [outside] [sue]",
                      "REINDEX (CONCURRENTLY false) TABLE t",
                      "VACUUM t [outside] [sue]",
                      "ANALYZE t [sue]",
                      "ALTER TABLE p DETACH PARTITION c CONCURRENTLY [outside] [sue]",
                      "COMMIT [tx]",
                  }));
}

TEST(IndexOpsSql, FragmentsAcceptListsAndRejectAnythingElse) {
  EXPECT_TRUE(sqlcheck::ValidateOptionList("fillfactor = 70, deduplicate_items = off", "w").ok());
  EXPECT_TRUE(sqlcheck::ValidateOptionList("siglen=32", "w").ok());
  for (const char* bad : {"", "fillfactor = 70) WHERE (true", "fillfactor = 70 -- c",
                          "fillfactor = 70); DROP TABLE t; --", "70"}) {
    EXPECT_FALSE(sqlcheck::ValidateOptionList(bad, "w").ok()) << bad;
  }
  EXPECT_TRUE(sqlcheck::ValidateSequenceOptions("START WITH 10 INCREMENT BY 5 CYCLE", "w").ok());
  for (const char* bad : {"START 1) CHECK (false", "START 1; DROP TABLE t", "bogus 1"}) {
    EXPECT_FALSE(sqlcheck::ValidateSequenceOptions(bad, "w").ok()) << bad;
  }
  EXPECT_TRUE(sqlcheck::ValidateExcludeElements("room WITH =, during WITH &&", "w").ok());
  for (const char* bad : {"room WITH =) WHERE (true", "room WITH =)); DROP TABLE t; --", ""}) {
    EXPECT_FALSE(sqlcheck::ValidateExcludeElements(bad, "w").ok()) << bad;
  }
}

}  // namespace
}  // namespace zs::ops
