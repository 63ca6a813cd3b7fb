// history::Entries and history::FirstPending: pure, with records built in code.
#include "history/history.h"

#include <gtest/gtest.h>

namespace zs::history {
namespace {

state::MigrationRecord Row(const std::string& name, bool done = true) {
  return {.schema = "public",
          .name = name,
          .migration_json = R"({"name":")" + name + R"(","operations":[]})",
          .done = done,
          .version_schema = "public_" + name,
          .step = done ? state::Step::kDone : state::Step::kActive};
}

std::vector<std::string> Names(const std::vector<Entry>& entries) {
  std::vector<std::string> names;
  for (const auto& e : entries) names.push_back(e.name);
  return names;
}

TEST(HistoryEntries, OneEntryPerRowInOrder) {
  auto entries = Entries({Row("01_a"), Row("02_b"), Row("03_c", false)});
  EXPECT_EQ(Names(entries), (std::vector<std::string>{"01_a", "02_b", "03_c"}));
  EXPECT_TRUE(entries[1].done);
  EXPECT_FALSE(entries[2].done);
  EXPECT_EQ(entries[2].row, "03_c");
}

TEST(HistoryEntries, SingleVersionRowCountsAsEachPart) {
  state::MigrationRecord bundle = Row("04_d", false);
  bundle.parts = {{"02_b", R"({"name":"02_b","operations":[]})"},
                  {"03_c", R"({"name":"03_c","operations":[]})"},
                  {"04_d", R"({"name":"04_d","operations":[]})"}};
  auto entries = Entries({Row("01_a"), bundle});
  EXPECT_EQ(Names(entries), (std::vector<std::string>{"01_a", "02_b", "03_c", "04_d"}));
  for (size_t i = 1; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].row, "04_d");
    EXPECT_FALSE(entries[i].done);
  }
  EXPECT_EQ(entries[2].migration_json, R"({"name":"03_c","operations":[]})");
}

TEST(HistoryEntries, StartAtTheLatestBaseline) {
  state::MigrationRecord b1 = Row("02_base"), b2 = Row("04_base");
  b1.baseline = b2.baseline = true;
  auto entries = Entries({Row("01_a"), b1, Row("03_c"), b2, Row("05_e")});
  EXPECT_EQ(Names(entries), (std::vector<std::string>{"04_base", "05_e"}));
  EXPECT_TRUE(entries.front().baseline);
}

std::vector<Entry> History(const std::vector<std::string>& names, bool first_is_baseline = false) {
  std::vector<state::MigrationRecord> rows;
  for (const auto& name : names) rows.push_back(Row(name));
  if (first_is_baseline && !rows.empty()) rows.front().baseline = true;
  return Entries(rows);
}

TEST(HistoryFirstPending, EmptyHistoryEverythingPending) {
  auto first = FirstPending({}, {"01_a", "02_b"}, "m/");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 0u);
}

TEST(HistoryFirstPending, HistoryIsAPrefix) {
  auto first = FirstPending(History({"01_a", "02_b"}), {"01_a", "02_b", "03_c"}, "m/");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 2u);
  auto none = FirstPending(History({"01_a", "02_b"}), {"01_a", "02_b"}, "m/");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 2u);
}

TEST(HistoryFirstPending, MigrationMissingFromTheDirectoryNamesBoth) {
  auto first = FirstPending(History({"01_a", "02_x"}), {"01_a", "02_b", "03_c"}, "m/");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), Code::kInvalidInput);
  EXPECT_NE(first.status().message().find("\"02_x\""), std::string::npos);
  EXPECT_NE(first.status().message().find("\"02_b\" in its place"), std::string::npos);
  EXPECT_NE(first.status().message().find("m/ does not have"), std::string::npos);
}

TEST(HistoryFirstPending, DirectoryShorterThanHistory) {
  auto first = FirstPending(History({"01_a", "02_b"}), {"01_a"}, "m/");
  ASSERT_FALSE(first.ok());
  EXPECT_NE(first.status().message().find("history has migration \"02_b\""), std::string::npos);
}

TEST(HistoryFirstPending, OrderDiffersNamesBoth) {
  auto first = FirstPending(History({"01_a", "02_b"}), {"02_b", "01_a", "03_c"}, "m/");
  ASSERT_FALSE(first.ok());
  const std::string& message = first.status().message();
  EXPECT_NE(message.find("order of m/ differs"), std::string::npos) << message;
  EXPECT_NE(message.find("migration 1 of the history is \"01_a\""), std::string::npos) << message;
  EXPECT_NE(message.find("has \"02_b\" there"), std::string::npos) << message;
}

TEST(HistoryFirstPending, FilesBeforeTheBaselineArePartOfIt) {
  auto first = FirstPending(History({"03_base", "04_d"}, true),
                            {"01_a", "02_b", "03_base", "04_d", "05_e"}, "m/");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 4u);
}

TEST(HistoryFirstPending, BaselineMissingFromTheDirectory) {
  auto first = FirstPending(History({"03_base"}, true), {"01_a", "02_b"}, "m/");
  ASSERT_FALSE(first.ok());
  EXPECT_NE(first.status().message().find("baseline \"03_base\""), std::string::npos);
  EXPECT_NE(first.status().message().find("zeroshift pull m/"), std::string::npos);
}

}  // namespace
}  // namespace zs::history
