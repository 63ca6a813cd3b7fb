// Hostile expressions and SQL: ones that smuggle a second statement are
// refused without a trace; valid tricky ones (`;`, comments, dollar quotes
// inside values) run the whole lifecycle.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "migration/hostile_input_test_util.h"

namespace zs::migration {
namespace {

using namespace hostile;  // NOLINT(google-build-using-namespace): the shared fixture

// ----------------------------------------------------------------- expressions

TEST_F(HostileInput, ExpressionsThatSmuggleAStatementAreRefused) {
  const std::vector<std::pair<std::string, std::string>> smuggled = {
      {"close paren, DROP, comment", "x); DROP TABLE users; --"},
      {"statement after a call", "split_part(name, ' ', 1); DROP TABLE users"},
      {"paren juggling", "1) ; (2"},
      {"trailing semicolon and comment", "name; --"},
      {"dollar quotes around a statement", "$$ $$; DROP TABLE users; SELECT $$ $$"},
      {"nested dollar tags", "$a$ $b$ $a$; DROP TABLE users; $b$"},
      {"block comment then statement", "name /* x */; DROP TABLE users"},
      {"line comment, newline, statement", "name -- x\n; DROP TABLE users"},
      {"subquery then statement", "(SELECT 1); DROP TABLE users"},
      {"two selects", "SELECT 1; SELECT 2"},
      {"unbalanced quote", "'); DROP TABLE users; --"},
      {"escape-string quote", "E'\\''; DROP TABLE users; --"},
      {"unterminated dollar quote", "$x$ unterminated"},
      {"unterminated block comment", "/* unterminated"},
      {"a statement instead of a value", "COPY users TO PROGRAM 'true'"},
      {"transaction control", "1; COMMIT; DROP TABLE users"},
      {"multi-column subquery", "(SELECT id, name FROM users LIMIT 1)"},
      {"blank", "   "},
  };
  std::vector<Case> cases;
  for (const auto& [label, expression] : smuggled) {
    std::string q = Quoted(expression);
    cases.push_back(
        {"up: " + label, AddColumn("{name: c, type: text, nullable: true}", q), {"up"}, 2});
    cases.push_back({"down: " + label,
                     "operations:\n  - drop_column:\n      table: users\n      column: email\n"
                     "      down: " +
                         q + "\n",
                     {"down"},
                     2});
  }
  const std::vector<std::pair<std::string, std::string>> others = {
      {"check",
       "{name: c, type: int, nullable: true, check: {name: c_check, constraint: "
       "'c > 0) NOT VALID; DROP TABLE users; --'}}"},
      {"check",
       "{name: c, type: int, nullable: true, check: {name: c_check, constraint: "
       "'true); DROP TABLE users; SELECT (1'}}"},
      {"default",
       "{name: c, type: text, nullable: true, default: \"'x'); DROP TABLE users; "
       "--\"}"},
      {"default", "{name: c, type: text, nullable: true, default: \"now(); DROP TABLE users\"}"},
      {"generated",
       "{name: c, type: int, generated: {expression: '1) STORED; DROP TABLE users; "
       "--'}}"},
      {"type", "{name: c, type: 'text; DROP TABLE users', nullable: true}"},
      {"type", "{name: c, type: 'int) ; DROP TABLE users; --', nullable: true}"},
      {"type", "{name: c, type: 'text -- hidden', nullable: true}"},
      {"type", "{name: c, type: 'text /* */', nullable: true}"},
      {"type", "{name: c, type: 'text DEFAULT 1', nullable: true}"},
  };
  for (const auto& [what, column] : others) {
    cases.push_back({what + ": " + column.substr(0, 60), AddColumn(column, "'1'"), {what}, 2});
  }
  cases.push_back({"alter_column default",
                   "operations:\n  - alter_column:\n      table: scores\n      column: score\n"
                   "      default: \"'1'); DROP TABLE users; --\"\n",
                   {"default"},
                   2});
  cases.push_back({"alter_column type",
                   "operations:\n  - alter_column:\n      table: scores\n      column: score\n"
                   "      type: 'integer USING 1; DROP TABLE users'\n",
                   {"type"},
                   2});
  cases.push_back({"create_index predicate",
                   "operations:\n  - create_index:\n      name: users_idx\n      table: users\n"
                   "      columns: [{column: name}]\n      predicate: 'id > 0; DROP TABLE users'\n",
                   {"predicate"},
                   2});
  ExpectRejected(cases);
}

// ------------------------------------------------- accepted: the whole lifecycle

// Expressions with `;`, comments and dollar quotes inside values are valid:
// accepted, and each computes what it says through both versions.
constexpr const char* kTrickyExpressions = R"yaml(operations:
  - add_column:
      table: users
      up: "name || ';'"
      column: {name: semi, type: text, nullable: true}
  - add_column:
      table: users
      up: "replace(name, ' ', '; DROP TABLE users; --')"
      column: {name: smuggled, type: text, nullable: true}
  - add_column:
      table: users
      up: "split_part(name, ' ', 1) -- a trailing comment; DROP TABLE users"
      column: {name: commented, type: text, nullable: true}
  - add_column:
      table: users
      up: "/* ; DROP TABLE users; */ upper(name)"
      column: {name: block, type: text, nullable: true}
  - add_column:
      table: users
      up: "name || $$;$$ || $zs$x$zs$ || $zs0$;$zs0$"
      column: {name: dollars, type: text, nullable: true}
  - add_column:
      table: users
      up: "E'it\\'s;' || name"
      column: {name: escaped, type: text, nullable: true}
  - add_column:
      table: users
      up: "(SELECT ';' || name)"
      column: {name: subquery, type: text, nullable: true}
  - add_column:
      table: users
      up: "SELECT lower(name)"
      column: {name: lone_select, type: text, nullable: true}
  - add_column:
      table: users
      up: "length(name)"
      column: {name: checked, type: int, nullable: true, check: {name: checked_semi, constraint: "checked <> 0 OR ';' = ';'"}}
  - add_column:
      table: users
      column: {name: defaulted, type: text, nullable: false, default: "'a;b'"}
)yaml";

TEST_F(HostileInput, ValidTrickyExpressionsRunTheWholeLifecycle) {
  const std::vector<std::string> columns = {"semi",    "smuggled", "commented", "block",
                                            "dollars", "escaped",  "subquery",  "lone_select",
                                            "checked", "defaulted"};
  auto expected = [](const std::string& name) {
    std::string first = name.substr(0, name.find(' '));
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    std::string upper = name;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    std::string smuggled = name;
    smuggled.replace(smuggled.find(' '), 1, "; DROP TABLE users; --");
    return fmt::format("{0};|{1}|{2}|{3}|{0};x;|it's;{0}|;{0}|{4}|{5}|a;b", name, smuggled, first,
                       upper, lower, name.size());
  };
  std::string select = "SELECT " + fmt::format("{}", fmt::join(columns, " || '|' || ")) +
                       " FROM users WHERE name = ";
  for (bool complete : {true, false}) {
    SCOPED_TRACE(complete ? "complete" : "rollback");
    ++g_tried;
    if (!complete) {  // a fresh database for the rollback run
      SetUp();
    }
    std::string before = Snapshot(*conn_, /*physical=*/false);
    Result<Migration> m = ParseMigration(kTrickyExpressions, "05_tricky.yaml");
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    {
      engine::Engine engine = Connect();
      Status start = engine.Start(*m);
      ASSERT_TRUE(start.ok()) << start.ToString();
    }
    auto old_version = ConnectTo("public");
    auto new_version = ConnectTo("public_05_tricky");
    EXPECT_EQ(Value(*new_version, select + "'Ada Lovelace'"), expected("Ada Lovelace"));
    MustRun(*old_version, "INSERT INTO users (name) VALUES ('Mary Jackson')");
    EXPECT_EQ(Value(*new_version, select + "'Mary Jackson'"), expected("Mary Jackson"));
    MustRun(*new_version, "INSERT INTO users (name, semi) VALUES ('Dorothy Vaughan', 'set;')");
    EXPECT_EQ(Value(*old_version, "SELECT count(*) FROM users WHERE name = 'Dorothy Vaughan'"),
              "1");
    EXPECT_EQ(Value(*new_version, "SELECT semi FROM users WHERE name = 'Dorothy Vaughan'"), "set;");
    EXPECT_EQ(Value(*conn_, "SELECT count(*) FROM users"), "5");  // nothing dropped
    engine::Engine engine = Connect();
    if (complete) {
      Status status = engine.Complete();
      ASSERT_TRUE(status.ok()) << status.ToString();
      auto after = ConnectTo("public");
      EXPECT_EQ(Value(*after, select + "'Mary Jackson'"), expected("Mary Jackson"));
      EXPECT_EQ(Value(*after,
                      "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '\\_zs\\_%' OR tgname "
                      "LIKE '~zs\\_%'"),
                "0");
    } else {
      Status status = engine.Rollback();
      ASSERT_TRUE(status.ok()) << status.ToString();
      MustRun(*conn_, "DELETE FROM users WHERE name IN ('Mary Jackson', 'Dorothy Vaughan')");
      EXPECT_EQ(Snapshot(*conn_, /*physical=*/false), before);
    }
  }
}

}  // namespace
}  // namespace zs::migration
