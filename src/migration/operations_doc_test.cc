// docs/operations.md shows one migration per operation: each block there must
// be a migration the reader accepts, and every operation must have one, so the
// page cannot drift from the format.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "migration/parser.h"
#include "testing/test_paths.h"
#include "testing/test_support.h"

namespace zs::migration {
namespace {

// The ```yaml blocks of `markdown`, in order.
std::vector<std::string> YamlBlocks(const std::string& markdown) {
  std::vector<std::string> blocks;
  const std::string open = "```yaml\n";
  for (size_t at = markdown.find(open); at != std::string::npos; at = markdown.find(open, at + 1)) {
    size_t begin = at + open.size();
    size_t end = markdown.find("```", begin);
    if (end == std::string::npos) break;
    blocks.push_back(markdown.substr(begin, end - begin));
  }
  return blocks;
}

TEST(OperationsDoc, EveryExampleParses) {
  std::string page =
      zs::testing::ReadFile(std::string(zs::testing::SourceDir()) + "/docs/operations.md");
  std::vector<std::string> blocks = YamlBlocks(page);
  ASSERT_FALSE(blocks.empty());
  std::set<std::string> shown;
  for (size_t i = 0; i < blocks.size(); ++i) {
    std::string where = "docs/operations_md_block_" + std::to_string(i + 1) + ".yaml";
    Result<Migration> parsed = ParseMigration(blocks[i], where);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << blocks[i];
    for (const auto& op : parsed->operations) shown.insert(op.kind);
  }
  const std::set<std::string> every = {
      "create_table",      "add_column",           "alter_column",
      "drop_column",       "rename_column",        "rename_table",
      "drop_table",        "create_index",         "drop_index",
      "create_constraint", "drop_constraint",      "drop_multicolumn_constraint",
      "rename_constraint", "set_replica_identity", "sql"};
  EXPECT_EQ(shown, every);
}

}  // namespace
}  // namespace zs::migration
