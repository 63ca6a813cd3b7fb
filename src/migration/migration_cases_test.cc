// The reader's data-file tests: every tests/migration/cases/<case>.yaml (or
// .json) is read, and <case>.expected says what must come of it, one line each:
//   ok                  it reads, in today's form
//   error <text>        reading fails with a message holding <text>
//   older <text>        it reads, and an older form is reported holding <text>
// A <case>.current.yaml beside it holds the same migration in today's form:
// both must give the same operations. Each case is its own test:
// MigrationCases/MigrationCase.Matches/<case>.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "migration/parser.h"
#include "testing/test_paths.h"

namespace zs::migration {
namespace {

namespace fs = std::filesystem;

const fs::path kCasesDir = fs::path(zs::testing::SourceDir()) / "tests" / "migration" / "cases";

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The case files: <case>.yaml or <case>.json, not the .current.yaml beside them.
std::vector<std::string> CaseFiles() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kCasesDir, ec)) {
    std::string name = entry.path().filename().string();
    std::string ext = entry.path().extension().string();
    if ((ext == ".yaml" || ext == ".json") && name.find(".current.") == std::string::npos) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> ExpectedLines(const fs::path& path) {
  std::vector<std::string> out;
  std::istringstream lines(Read(path));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != '#') out.push_back(line);
  }
  return out;
}

std::string Operations(const Migration& m) {
  return nlohmann::ordered_json::parse(m.raw_json)["operations"].dump();
}

class MigrationCase : public ::testing::TestWithParam<std::string> {};

TEST_P(MigrationCase, Matches) {
  fs::path file = kCasesDir / GetParam();
  std::string stem = file.stem().string();
  fs::path expected_path = kCasesDir / (stem + ".expected");
  ASSERT_TRUE(fs::exists(expected_path)) << "missing " << expected_path;
  std::vector<OlderForm> older;
  Result<Migration> m = ParseMigration(Read(file), file.filename().string(), &older);
  for (const std::string& line : ExpectedLines(expected_path)) {
    std::string kind = line.substr(0, line.find(' '));
    std::string text = line.size() > kind.size() ? line.substr(kind.size() + 1) : "";
    if (kind == "ok") {
      EXPECT_TRUE(m.ok()) << m.status().ToString();
      EXPECT_TRUE(older.empty()) << older.front().description;
    } else if (kind == "error") {
      ASSERT_FALSE(m.ok()) << "read without error; expected: " << text;
      EXPECT_NE(m.status().message().find(text), std::string::npos)
          << "got: " << m.status().message() << "\nwant substring: " << text;
    } else if (kind == "older") {
      ASSERT_TRUE(m.ok()) << m.status().ToString();
      bool found = std::any_of(older.begin(), older.end(), [&](const OlderForm& form) {
        return (form.location.ToString() + ": " + form.description).find(text) != std::string::npos;
      });
      EXPECT_TRUE(found) << "no older form holding: " << text << " (" << older.size()
                         << " reported)";
    } else {
      ADD_FAILURE() << expected_path << ": unknown line kind \"" << kind << "\"";
    }
  }
  fs::path current = kCasesDir / (stem + ".current.yaml");
  if (m.ok() && fs::exists(current)) {
    std::vector<OlderForm> none;
    Result<Migration> today = ParseMigration(Read(current), current.filename().string(), &none);
    ASSERT_TRUE(today.ok()) << today.status().ToString();
    EXPECT_TRUE(none.empty()) << current << " is not in today's form";
    EXPECT_EQ(Operations(*m), Operations(*today));
  }
}

INSTANTIATE_TEST_SUITE_P(MigrationCases, MigrationCase, ::testing::ValuesIn(CaseFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = fs::path(info.param).stem().string();
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace zs::migration
