// Hostile files through the engine API and the real binary: malformed, huge
// and binary files and hostile YAML structure, and hostile `--schema` values.
// Each is refused naming the file (and line) and leaves the database exactly
// as it was (hostile_input_test_util.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "migration/hostile_input_test_util.h"

namespace zs::migration {
namespace {

using namespace hostile;  // NOLINT(google-build-using-namespace): the shared fixture

// ------------------------------------------------------------------ malformed files

std::string LaughsYaml(int n) {
  std::string columns, aliases;
  for (int i = 0; i < n; ++i) columns += i ? ", id" : "id";
  for (int i = 1; i < n; ++i) aliases += ", *k";
  std::string out = fmt::format(
      "operations:\n  - create_table:\n      name: t\n      columns: [{{name: id, type: int}}]\n"
      "      constraints: &ks [&k {{name: c, type: unique, columns: [{}]}}{}]\n",
      columns, aliases);
  for (int i = 1; i < n; ++i) {
    out += "  - create_table: {name: t, columns: [{name: id, type: int}], constraints: *ks}\n";
  }
  return out;
}

// One long string repeated through aliases: few elements, many bytes.
std::string StringAliasesYaml(size_t bytes, int uses) {
  std::string out = "operations:\n  - sql: {up: &s " + std::string(bytes, 'x') + "}\n";
  for (int i = 1; i < uses; ++i) out += "  - sql: {up: *s}\n";
  return out;
}

TEST_F(HostileInput, MalformedFilesAreRefusedWithFileAndLine) {
  const std::string valid = AddColumn("{name: c, type: text, nullable: true}", "name");
  std::vector<Case> cases = {
      {"truncated YAML", valid.substr(0, valid.size() - 25), {"invalid YAML"}, 0},
      {"truncated JSON",
       R"({"operations": [{"add_column": {"table": "users", "column": {"name": "c",)",
       {"invalid YAML"},
       0,
       ".json"},
      {"truncated inside a UTF-8 character",
       "operations:\n  - add_column: {table: users, up: \"'\xe6\x97",
       {},
       0},
      {"operations is a string", "operations: \"add_column\"\n", {"must be a sequence"}, 1},
      {"operations is a number", "operations: 42\n", {"must be a sequence"}, 1},
      {"operations is a mapping", "operations: {add_column: {}}\n", {"must be a sequence"}, 1},
      {"operation is a list", "operations:\n  - [add_column, users]\n", {"exactly one key"}, 2},
      {"operation with two kinds",
       "operations:\n  - {add_column: {table: users}, drop_column: {table: users}}\n",
       {"exactly one key"},
       2},
      {"column is a list", AddColumn("[c, text]", "name"), {"must be a mapping"}, 5},
      {"nullable is a string",
       AddColumn("{name: c, type: text, nullable: 'yes'}", "name"),
       {"nullable"},
       5},
      {"nullable is YAML 1.1 yes",
       AddColumn("{name: c, type: text, nullable: yes}", "name"),
       {"nullable"},
       5},
      {"nullable is a number",
       AddColumn("{name: c, type: text, nullable: 1}", "name"),
       {"nullable"},
       5},
      {"table is a list",
       "operations:\n  - add_column: {table: [users], column: {name: c, type: text}}\n",
       {"must be a string"},
       2},
      {"table is a mapping",
       "operations:\n  - add_column: {table: {name: users}, column: {name: c, type: text}}\n",
       {"must be a string"},
       2},
      {"name is a list", "name: [a, b]\noperations: []\n", {"must be a string"}, 1},
      {"columns is a mapping",
       "operations:\n  - create_table: {name: t, columns: {id: int}}\n",
       {"must be a sequence"},
       2},
      {"top-level typo", "operation:\n  - add_column: {}\n", {"unknown key \"operation\""}, 1},
      {"misspelt key with suggestion",
       "operations:\n  - add_column: {tabel: users, column: {name: c, type: text}}\n",
       {"unknown key \"tabel\"", "did you mean \"table\""},
       2},
      {"misspelt column key",
       AddColumn("{name: c, type: text, nulable: true}", "name"),
       {"nulable"},
       5},
      {"unknown operation",
       "operations:\n  - add_colum: {table: users}\n",
       {"unknown operation \"add_colum\"", "add_column"},
       2},
      {"upper-case operation",
       "operations:\n  - ADD_COLUMN: {table: users}\n",
       {"unknown operation"},
       2},
      {"unknown key in JSON",
       "{\"operations\": [{\"add_column\": {\"table\": \"users\", \"colunm\": {}}}]}",
       {"colunm"},
       1,
       ".json"},
      {"duplicate key in YAML",
       "operations:\n  - add_column:\n      table: users\n      table: scores\n"
       "      column: {name: c, type: text, nullable: true}\n",
       {"duplicate key \"table\""},
       4},
      {"duplicate key in JSON",
       "{\"operations\": [], \"operations\": [{\"drop_table\": {\"name\": \"users\"}}]}",
       {"duplicate key \"operations\""},
       1,
       ".json"},
      {"duplicate key in a column",
       AddColumn("{name: c, name: d, type: text, nullable: true}", "name"),
       {"duplicate key \"name\""},
       5},
      {"missing required key",
       "operations:\n  - add_column: {table: users}\n",
       {"missing required key \"column\""},
       2},
      {"tab indentation", "operations:\n\t- add_column: {table: users}\n", {"invalid YAML"}, 0},
      {"two YAML documents", valid + "---\n" + valid, {"single YAML document"}, 0},
      {"unclosed quote", "operations:\n  - add_column: {table: \"users}\n", {"invalid YAML"}, 0},
      {"nested 100000 deep (sequences)",
       "operations: " + std::string(100000, '[') + std::string(100000, ']') + "\n",
       {"nested more than"},
       1},
      {"nested 100000 deep (mappings)",
       [] {
         std::string s = "operations: ";
         for (int i = 0; i < 100000; ++i) s += "{a: ";
         return s + "1" + std::string(100000, '}') + "\n";
       }(),
       {"nested more than"},
       1},
      {"nested 100000 deep (JSON)",
       "{\"operations\": " + std::string(100000, '[') + std::string(100000, ']') + "}",
       {"nested more than"},
       0,
       ".json"},
      {"alias bomb: 88 KB expanding to 10^9 elements", LaughsYaml(1000), {"aliases"}, 0},
      {"alias bomb: 9 KB expanding to 10^6 elements", LaughsYaml(100), {"aliases"}, 0},
      {"alias bomb: one 64 KB string used 2000 times (128 MB)",
       StringAliasesYaml(64 * 1024, 2000),
       {"aliases"},
       0},
      // Once a SIGSEGV: the column references were collected by recursion.
      {"a 10 000-term up (1+1+...)",
       [] {
         std::string up = "1";
         for (int i = 0; i < 10000; ++i) up += "+1";
         return AddColumn("{name: c, type: text, nullable: true}", up);
       }(),
       {"nests too deeply"},
       2},
      {"an up nested 1000 calls deep",
       AddColumn("{name: c, type: text, nullable: true}",
                 [] {
                   std::string up;
                   for (int i = 0; i < 1000; ++i) up += "abs(";
                   up += "1";
                   for (int i = 0; i < 1000; ++i) up += ")";
                   return up;
                 }()),
       {"nests too deeply"},
       2},
      {"empty file", "", {"empty migration file"}, 0},
      {"only whitespace", "  \n\n\t\n", {"empty migration file"}, 0},
      {"only a comment", "# operations: []\n", {"empty migration file"}, 0},
      {"document marker only", "---\n", {"empty migration file"}, 0},
      {"null", "null\n", {"empty migration file"}, 0},
      {"empty mapping", "{}\n", {"missing required key \"operations\""}, 0},
      {"a list", "[]\n", {"must be a mapping"}, 1},
      {"NUL byte in an expression",
       std::string("operations:\n  - add_column: {table: users, up: \"name") + '\0' +
           "; DROP TABLE users\", column: {name: c, type: text, nullable: true}}\n",
       {"NUL byte"},
       2},
      {"NUL via YAML escape",
       AddColumn("{name: c, type: text, nullable: true}", "\"name\\0; DROP TABLE users\""),
       {"NUL byte"},
       4},
      {"invalid UTF-8 in a name",
       AddColumn("{name: \"ab\xff\xfe\", type: text, nullable: true}", "name"),
       {"invalid UTF-8"},
       5},
      {"overlong UTF-8 slash",
       AddColumn("{name: \"a\xc0\xaf\", type: text, nullable: true}", "name"),
       {"invalid UTF-8"},
       5},
      {"UTF-8 surrogate",
       AddColumn("{name: \"a\xed\xa0\x80\", type: text, nullable: true}", "name"),
       {"invalid UTF-8"},
       5},
      {"invalid UTF-8 in an expression",
       AddColumn("{name: c, type: text, nullable: true}", "\"name || '\xff'\""),
       {"invalid UTF-8"},
       4},
      {"invalid UTF-8 in a key",
       "operations:\n  - add_column: {\"tab\xffle\": users}\n",
       {"invalid UTF-8"},
       2},
  };
  std::mt19937 random(7);
  std::string garbage;
  for (int i = 0; i < 64 * 1024; ++i) garbage += static_cast<char>(random() & 0xff);
  cases.push_back({"64 KB of random bytes", garbage, {}, 0});
  cases.push_back({"an ELF header",
                   std::string("\x7f"
                               "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
                               16),
                   {},
                   0});
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes += static_cast<char>(i);
  cases.push_back({"every byte value", all_bytes, {}, 0});
  ExpectRejected(cases);

  // Files that are too big or no regular files at all.
  std::string big(50 * 1024 * 1024, '#');
  for (size_t i = 80; i < big.size(); i += 81) big[i] = '\n';
  ExpectRejectedFile("a 50 MB file", Write("big.yaml", "operations:\n" + big), {"10 MiB"}, 0);
  ExpectRejectedFile("just over 10 MiB",
                     Write("over.yaml", valid + std::string(10 * 1024 * 1024, ' ')), {"10 MiB"}, 0);
  fs::create_directories(dir_ / "a_directory.yaml");
  ExpectRejectedFile("a directory", dir_ / "a_directory.yaml", {"not a regular file"}, 0);
  ExpectRejectedFile("a missing file", dir_ / "missing.yaml", {"cannot read"}, 0);
  ASSERT_EQ(mkfifo((dir_ / "a_fifo.yaml").c_str(), 0600), 0);
  ExpectRejectedFile("a FIFO (would block a reader)", dir_ / "a_fifo.yaml", {"not a regular file"},
                     0);
  fs::create_symlink("/dev/zero", dir_ / "zero.yaml");
  ExpectRejectedFile("a symlink to /dev/zero", dir_ / "zero.yaml", {"not a regular file"}, 0);
  fs::path unreadable = Write("unreadable.yaml", valid);
  fs::permissions(unreadable, fs::perms::none);
  if (geteuid() != 0) {  // root reads it anyway
    ExpectRejectedFile("an unreadable file", unreadable, {"cannot read"}, 0);
  }
}

// Hostile `--schema` values through the binary.
TEST_F(HostileInput, HostileSchemaOptionIsRefusedUntouched) {
  fs::path file = Write("ok.yaml", AddColumn("{name: c, type: text, nullable: true}", "name"));
  for (const std::string& schema :
       {std::string("x\"; DROP TABLE users; --"), std::string(64, 's'), std::string("")}) {
    SCOPED_TRACE(schema);
    ++g_tried;
    ProcessRun run =
        RunBinary({"start", file.string(), "--schema", schema, "--postgres-url", url_});
    EXPECT_NE(run.exit_code, 0) << run.out;
    EXPECT_FALSE(run.err.empty());
    EXPECT_EQ(Snapshot(*conn_), baseline_) << run.err;
    std::printf("  --schema %-40s -> %s", Quoted(schema.substr(0, 40)).c_str(), run.err.c_str());
  }
}

}  // namespace
}  // namespace zs::migration
