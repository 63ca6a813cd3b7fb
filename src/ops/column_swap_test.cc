// Lifecycle tests of what every operation built on the column swap
// (ops/column_swap.h) shares, against a real PostgreSQL.
// After start the old version can still write what the new rule forbids (`up`
// fixes it up in the new column) while the new version's writes are checked;
// after complete the constraint or index exists under its name on the final
// column, validated; after rollback the table's catalog entries are exactly
// what they were; bad input is refused before anything changes.
#include "ops/swap_lifecycle_fixture.h"

namespace zs::ops {
namespace {

// Every operation of the swap works in place on a table created earlier in
// the same migration: nobody reads its old shape.
constexpr const char* kNotesInPlace = R"yaml(operations:
  - create_table:
      name: notes
      columns:
        - {name: id, type: integer, pk: true}
        - {name: body, type: varchar(10), nullable: true, check: {name: body_len, constraint: "length(body) > 0"}}
  - alter_column: {table: notes, column: body, type: text, nullable: false, unique: {name: notes_body_key}}
  - drop_constraint: {table: notes, name: body_len, up: body, down: body}
)yaml";

TEST_F(ConstraintLifecycle, OperationsOnNewTableRunInPlace) {
  for (bool complete : {true, false}) {
    SCOPED_TRACE(complete ? "complete" : "rollback");
    FreshDatabase();
    Start("notes", kNotesInPlace);
    EXPECT_EQ(Columns("notes"),
              (std::vector<std::string>{"id integer NOT NULL", "body text NOT NULL"}));
    EXPECT_EQ(Constraints("notes"), (std::vector<std::string>{"notes_body_key UNIQUE (body)",
                                                              "notes_pkey PRIMARY KEY (id)"}));
    EXPECT_EQ(ZsLeftovers(), 0);
    EXPECT_EQ(ZsTriggers(), 0);
    Exec(*new_, "INSERT INTO notes VALUES (1, '')");
    EXPECT_TRUE(Fails(*new_, "INSERT INTO notes VALUES (2, '')"));
    if (complete) {
      Complete();
      EXPECT_EQ(Constraints("notes"), (std::vector<std::string>{"notes_body_key UNIQUE (body)",
                                                                "notes_pkey PRIMARY KEY (id)"}));
      ExpectCompleteClean();
    } else {
      Rollback();
      EXPECT_FALSE(TableExists("public", "notes"));
      ExpectRollbackClean();
    }
  }
}

// -------------------------------------------------------------------- bad input

struct BadInput {
  const char* name;
  const char* yaml;
  const char* message_part;
};

const BadInput kBadInputs[] = {
    {"unknown_column",
     "operations:\n  - alter_column: {table: posts, column: nope, unique: {name: u}}\n",
     "column \"nope\" does not exist in table \"posts\""},
    {"bad_check",
     "operations:\n  - alter_column:\n      table: posts\n      column: title\n      check: "
     "{name: c, constraint: 'length(title) >'}\n",
     "is not a single SQL expression"},
    {"smuggled_statement",
     "operations:\n  - alter_column:\n      table: posts\n      column: title\n      check: "
     "{name: c, constraint: 'true); DROP TABLE posts; SELECT (1'}\n",
     "is not a single SQL expression"},
    {"smuggled_up",
     "operations:\n  - alter_column:\n      table: posts\n      column: title\n      nullable: "
     "false\n      up: 'title; DROP TABLE posts'\n",
     "is not a single SQL expression"},
    {"check_on_unknown_column",
     "operations:\n  - create_constraint:\n      {table: posts, name: c, type: check, columns: "
     "[title], check: 'nope > 0', up: {title: title}, down: {title: title}}\n",
     "refers to column \"nope\""},
    {"up_for_other_column",
     "operations:\n  - create_constraint:\n      {table: posts, name: u, type: unique, columns: "
     "[title], up: {id: id}, down: {title: title}}\n",
     "names column \"id\", which is not one of the constraint's columns"},
    {"existing_constraint_name",
     "operations:\n  - alter_column: {table: posts, column: title, unique: {name: posts_pkey}}\n",
     "already has a constraint \"posts_pkey\""},
    {"unknown_constraint",
     "operations:\n  - drop_constraint: {table: posts, name: nope, up: title, down: title}\n",
     "has no check, foreign key or unique constraint \"nope\""},
    {"referenced_column",
     "operations:\n  - alter_column: {table: users, column: id, type: bigint}\n",
     "is referenced by foreign key \"posts_user_id_fkey\" of table \"posts\""},
    {"foreign_key_to_non_unique",
     "operations:\n  - alter_column:\n      table: posts\n      column: user_id\n      "
     "references: {name: f, table: users, column: name}\n",
     "have no primary key or unique constraint"},
};

class BadInputTest : public ConstraintLifecycle, public ::testing::WithParamInterface<BadInput> {};

TEST_P(BadInputTest, IsRefusedBeforeAnythingChanges) {
  Exec(
      "CREATE TABLE users (id integer PRIMARY KEY, name text);"
      "CREATE TABLE posts (id integer PRIMARY KEY, title text,"
      " user_id integer REFERENCES users (id));"
      "INSERT INTO users VALUES (1, 'a'); INSERT INTO posts VALUES (1, 'hello', 1);");
  Rows posts = Dump("posts"), users = Dump("users");
  Status status = TryStart(GetParam().name, GetParam().yaml);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(GetParam().message_part), std::string::npos) << status.ToString();
  EXPECT_NE(status.message().find(std::string(GetParam().name) + ".yaml:"), std::string::npos)
      << status.ToString();
  EXPECT_EQ(Dump("posts"), posts);
  EXPECT_EQ(Dump("users"), users);
  EXPECT_FALSE(SchemaExists(std::string("public_") + GetParam().name));
  EXPECT_EQ(ZsTriggers(), 0);
  EXPECT_EQ(ZsLeftovers(), 0);
}

INSTANTIATE_TEST_SUITE_P(Table, BadInputTest, ::testing::ValuesIn(kBadInputs),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace zs::ops
