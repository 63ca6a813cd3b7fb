// Test-only helpers shared by the parser tests (parser_test.cc,
// parser_errors_test.cc, load_migration_file_test.cc): the split-name
// migration in YAML and JSON and what it must parse into.
#pragma once

#include <gtest/gtest.h>

#include <variant>

#include "migration/parser.h"
#include "testing/seed_migration.h"

namespace zs::migration::parser_test {

inline constexpr const char* kSplitNameYaml = zs::testing::kSplitNameYaml;

inline constexpr const char* kSplitNameJson = R"json({
  "operations": [
    {"add_column": {"table": "users", "up": "split_part(name, ' ', 1)",
                    "column": {"name": "first_name", "type": "text", "nullable": true}}},
    {"add_column": {"table": "users", "up": "split_part(name, ' ', 2)",
                    "column": {"name": "last_name", "type": "text", "nullable": true}}},
    {"drop_column": {"table": "users", "column": "name",
                     "down": "first_name || ' ' || last_name"}}
  ]
})json";

inline void ExpectSplitName(const Migration& m) {
  ASSERT_EQ(m.operations.size(), 3u);
  EXPECT_EQ(m.operations[0].kind, "add_column");
  const auto& first = std::get<OpAddColumn>(m.operations[0].body);
  EXPECT_EQ(first.table, "users");
  EXPECT_EQ(first.up, "split_part(name, ' ', 1)");
  EXPECT_EQ(first.column.name, "first_name");
  EXPECT_EQ(first.column.type, "text");
  EXPECT_TRUE(first.column.nullable);
  EXPECT_EQ(std::get<OpAddColumn>(m.operations[1].body).column.name, "last_name");
  EXPECT_EQ(m.operations[2].kind, "drop_column");
  const auto& drop = std::get<OpDropColumn>(m.operations[2].body);
  EXPECT_EQ(drop.table, "users");
  EXPECT_EQ(drop.column, "name");
  EXPECT_EQ(drop.down, "first_name || ' ' || last_name");
}

}  // namespace zs::migration::parser_test
