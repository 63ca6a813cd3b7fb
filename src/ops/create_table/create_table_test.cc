// Lifecycle tests of create_table against a real PostgreSQL: after start the old
// shape and the new version are both readable and writable and each sees the
// other's writes (up/down applied); complete leaves the final physical shape;
// rollback leaves the table as it was; bad input is refused before anything
// changes.
#include "ops/index_lifecycle_fixture.h"
#include "ops/lifecycle_fixture.h"

namespace zs::ops {
namespace {

// ---------------------------------------------------------------- create_table

constexpr const char* kCreateItems = R"yaml(operations:
  - create_table:
      name: items
      columns:
        - {name: id, type: integer, pk: true}
        - {name: title, type: text, nullable: true}
)yaml";

TEST_F(OpsLifecycle, CreateTableStartAndComplete) {
  CreateUsers();
  Start("create_items", kCreateItems);
  EXPECT_TRUE(TableExists("public", "items"));
  Exec(*new_, "INSERT INTO items VALUES (1, 'through new')");
  Exec(*old_, "INSERT INTO items VALUES (2, 'through old')");
  EXPECT_EQ(Query(*old_, "SELECT id, title FROM items ORDER BY id"),
            (Rows{{"1", "through new"}, {"2", "through old"}}));
  EXPECT_EQ(Query(*new_, "SELECT id, title FROM items ORDER BY id"),
            (Rows{{"1", "through new"}, {"2", "through old"}}));
  // The new version shows the untouched tables too.
  EXPECT_EQ(Value(*new_, "SELECT count(*) FROM users"), "2");

  Complete();
  EXPECT_EQ(Columns("items"), (std::vector<std::string>{"id integer NOT NULL", "title text NULL"}));
  Exec(*new_, "INSERT INTO items VALUES (3, 'after complete')");
  EXPECT_EQ(Value(*new_, "SELECT count(*) FROM items"), "3");
  ExpectCompleteClean();
}

TEST_F(OpsLifecycle, CreateTableRollback) {
  CreateUsers();
  Start("create_items", kCreateItems);
  Exec(*new_, "INSERT INTO items VALUES (1, 'x')");
  Rollback();
  EXPECT_FALSE(TableExists("public", "items"));
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id integer NOT NULL", "name text NOT NULL"}));
  ExpectRollbackClean();
}

// --------------------------------------------------------------- create_table

constexpr const char* kCreateEverything = R"yaml(operations:
  - create_table:
      name: bookings
      comment: every booking
      columns:
        - name: id
          type: bigint
          pk: true
          generated: {identity: {user_specified_values: BY DEFAULT,
                                 sequence_options: START WITH 100 INCREMENT BY 10}}
        - name: code
          type: text
          unique: true
          check: {name: code_upper, constraint: code = upper(code), no_inherit: true}
          comment: booking code
        - name: guest
          type: text
          default: "'anon' -- nobody"
        - name: guest_len
          type: integer
          nullable: true
          generated: {expression: length(guest)}
        - name: owner_id
          type: integer
          nullable: true
          references: {name: fk_owner, table: owners, column: id, on_delete: SET NULL,
                       on_update: CASCADE, match_type: FULL, deferrable: true,
                       initially_deferred: true}
        - name: room
          type: integer
          nullable: true
        - name: during
          type: tstzrange
          nullable: true
        - name: seq
          type: integer
          nullable: true
          generated: {identity: {user_specified_values: ALWAYS}}
      constraints:
        - name: positive_room
          type: check
          check: room > 0
          no_inherit: true
        - name: uq_room_guest
          type: unique
          columns: [room, guest]
          nulls_not_distinct: true
          deferrable: true
          initially_deferred: true
          index_parameters:
            tablespace: pg_default
            storage_parameters: fillfactor = 80
            include_columns: [code]
        - name: fk_owner_room
          type: foreign_key
          columns: [owner_id, room]
          deferrable: true
          references:
            table: owners
            columns: [id, room]
            match_type: FULL
            on_delete: SET NULL
            on_delete_set_columns: [owner_id]
            on_update: RESTRICT
        - name: no_overlap
          type: exclude
          exclude:
            index_method: gist
            elements: during WITH &&
            predicate: room IS NOT NULL
          index_parameters:
            storage_parameters: fillfactor = 90
)yaml";

TEST_F(IndexOpsLifecycle, CreateTableEmitsEveryColumnAndTableConstraint) {
  Exec(
      "CREATE TABLE owners (id integer PRIMARY KEY, room integer, UNIQUE (id, room));"
      "INSERT INTO owners VALUES (1, 10), (2, 0), (3, 5), (4, 6);");
  std::string plan = PlanText(kCreateEverything);
  EXPECT_NE(plan.find("USING INDEX TABLESPACE \"pg_default\" DEFERRABLE INITIALLY DEFERRED"),
            std::string::npos)
      << plan;
  EXPECT_NE(plan.find("-- create_table:bookings  [ACCESS EXCLUSIVE on bookings]\n-- foreign keys "
                      "also take SHARE ROW EXCLUSIVE on \"owners\"\nCREATE TABLE"),
            std::string::npos)
      << plan;
  Start("create_bookings", kCreateEverything);
  // Columns: identity with its sequence options, stored generated column, default.
  EXPECT_EQ(Query(*old_,
                  "SELECT attname, attidentity, attgenerated, attnotnull::text FROM pg_attribute "
                  "WHERE attrelid = 'bookings'::regclass AND attnum > 0 ORDER BY attnum"),
            (Rows{{"id", "d", "", "true"},
                  {"code", "", "", "true"},
                  {"guest", "", "", "true"},
                  {"guest_len", "", "s", "false"},
                  {"owner_id", "", "", "false"},
                  {"room", "", "", "false"},
                  {"during", "", "", "false"},
                  {"seq", "a", "", "true"}}));
  EXPECT_EQ(Value("SELECT start_value || '/' || increment_by FROM pg_sequences WHERE "
                  "sequencename = 'bookings_id_seq'"),
            "100/10");
  EXPECT_EQ(Value("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = "
                  "'bookings'::regclass AND adnum = 3"),
            "'anon'::text");
  EXPECT_EQ(Value("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = "
                  "'bookings'::regclass AND adnum = 4"),
            "length(guest)");
  EXPECT_EQ(Value("SELECT obj_description('bookings'::regclass, 'pg_class')"), "every booking");
  EXPECT_EQ(Value("SELECT col_description('bookings'::regclass, 2)"), "booking code");
  // Constraints, each as PostgreSQL reads it back.
  EXPECT_EQ(
      Query(*old_,
            "SELECT conname, pg_get_constraintdef(oid), condeferrable::text, "
            "condeferred::text, connoinherit::text FROM pg_constraint WHERE conrelid = "
            "'bookings'::regclass ORDER BY conname"),
      (Rows{{"bookings_code_key", "UNIQUE (code)", "false", "false", "true"},
            {"bookings_pkey", "PRIMARY KEY (id)", "false", "false", "true"},
            {"code_upper", "CHECK ((code = upper(code))) NO INHERIT", "false", "false", "true"},
            {"fk_owner",
             "FOREIGN KEY (owner_id) REFERENCES owners(id) MATCH FULL ON UPDATE CASCADE "
             "ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED",
             "true", "true", "true"},
            {"fk_owner_room",
             "FOREIGN KEY (owner_id, room) REFERENCES owners(id, room) MATCH FULL ON "
             "UPDATE RESTRICT ON DELETE SET NULL (owner_id) DEFERRABLE",
             "true", "false", "true"},
            {"no_overlap",
             "EXCLUDE USING gist (during WITH &&) WITH (fillfactor='90') WHERE ((room IS "
             "NOT NULL))",
             "false", "false", "true"},
            {"positive_room", "CHECK ((room > 0)) NO INHERIT", "false", "false", "true"},
            {"uq_room_guest",
             "UNIQUE NULLS NOT DISTINCT (room, guest) INCLUDE (code) DEFERRABLE INITIALLY "
             "DEFERRED",
             "true", "true", "true"}}));
  // pg_get_constraintdef leaves out a unique constraint's storage parameters.
  EXPECT_EQ(Value("SELECT reloptions::text FROM pg_class WHERE relname = 'uq_room_guest'"),
            "{fillfactor=80}");

  // The new version writes through its view: identity, generated column and default apply.
  Exec(*new_, "INSERT INTO bookings (code, owner_id, room) VALUES ('A1', 1, 10)");
  EXPECT_EQ(Query(*new_, "SELECT id, guest, guest_len, seq FROM bookings"),
            (Rows{{"100", "anon", "4", "1"}}));
  ExpectError(*new_, "INSERT INTO bookings (code) VALUES ('lower')", "\"code_upper\"");
  ExpectError(*new_, "INSERT INTO bookings (code, owner_id, room) VALUES ('B', 2, 0)",
              "\"positive_room\"");
  ExpectError(*new_, "INSERT INTO bookings (code, owner_id) VALUES ('B', 2)",
              "MATCH FULL does not allow mixing");
  Exec(*new_,
       "INSERT INTO bookings (code, owner_id, room, during) VALUES "
       "('C', 3, 5, '[2026-01-01,2026-01-05)')");
  ExpectError(*new_,
              "INSERT INTO bookings (code, owner_id, room, during) VALUES "
              "('D', 4, 6, '[2026-01-03,2026-01-04)')",
              "\"no_overlap\"");
  Complete();
  EXPECT_EQ(Value(*new_, "SELECT count(*) FROM bookings"), "2");
  ExpectCompleteClean();
}

TEST_F(IndexOpsLifecycle, CreateTableWithTableConstraintsRollback) {
  Exec("CREATE TABLE owners (id integer PRIMARY KEY, room integer, UNIQUE (id, room))");
  std::string before = Fingerprint();
  Start("create_bookings", kCreateEverything);
  Exec(*new_, "INSERT INTO bookings (code) VALUES ('A1')");
  Rollback();
  EXPECT_FALSE(TableExists("public", "bookings"));
  EXPECT_EQ(Fingerprint(), before);
  ExpectRollbackClean();
}

TEST_F(IndexOpsLifecycle, CreateTablePrimaryKeyConstraintAndSelfReference) {
  Start("create_nodes", R"yaml(operations:
  - create_table:
      name: nodes
      columns:
        - {name: id, type: serial}
        - {name: parent, type: integer, nullable: true,
           references: {name: fk_parent, table: nodes, column: id, on_delete: CASCADE}}
      constraints:
        - {name: nodes_pk, type: primary_key, columns: [id],
           index_parameters: {storage_parameters: fillfactor = 60}}
)yaml");
  EXPECT_EQ(ConstraintDef("nodes", "nodes_pk"), "PRIMARY KEY (id)");
  EXPECT_EQ(Value("SELECT reloptions::text FROM pg_class WHERE relname = 'nodes_pk'"),
            "{fillfactor=60}");
  EXPECT_EQ(ConstraintDef("nodes", "fk_parent"),
            "FOREIGN KEY (parent) REFERENCES nodes(id) ON DELETE CASCADE");
  Exec(*new_, "INSERT INTO nodes (parent) VALUES (NULL)");
  Exec(*new_, "INSERT INTO nodes (parent) VALUES (1)");
  Exec(*new_, "DELETE FROM nodes WHERE id = 1");
  EXPECT_EQ(Value(*new_, "SELECT count(*) FROM nodes"), "0");
  Complete();
  ExpectCompleteClean();
}

TEST_F(IndexOpsLifecycle, CreateTableRefusesBadInput) {
  Exec("CREATE TABLE owners (id integer PRIMARY KEY)");
  auto table = [](const std::string& body) {
    return "operations:\n  - create_table:\n      name: t\n" + body;
  };
  ExpectRefused(table("      columns:\n        - {name: a, type: integer, default: '1', "
                      "generated: {expression: '2'}}\n"),
                {"column \"a\"", "a generated column cannot have a `default`"});
  ExpectRefused(table("      columns:\n        - {name: a, type: integer, generated: "
                      "{expression: '2', identity: {}}}\n"),
                {"both `expression` and `identity`"});
  ExpectRefused(table("      columns:\n        - {name: a, type: integer, generated: {identity: "
                      "{sequence_options: 'START 1) CHECK (false'}}}\n"),
                {"sequence_options", "is not a list of sequence options"});
  ExpectRefused(table("      columns:\n        - {name: a, type: integer, generated: {identity: "
                      "{sequence_options: 'START 1); DROP TABLE owners; --'}}}\n"),
                {"sequence_options"});
  ExpectRefused(table("      columns:\n        - {name: a, type: integer, default: '1); DROP "
                      "TABLE owners; --'}\n"),
                {"column \"a\" default", "is not a single SQL expression"});
  ExpectRefused(table("      columns:\n        - {name: a, type: integer, references: {name: "
                      "fk, table: ghosts, column: id}}\n"),
                {"table \"ghosts\" does not exist"});
  ExpectRefused(table("      columns:\n        - {name: a, type: integer, references: {name: "
                      "fk, table: owners, column: nope}}\n"),
                {"column \"nope\" does not exist in table \"owners\""});
  ExpectRefused(table("      columns:\n        - {name: a, type: tstzrange}\n"
                      "      constraints:\n        - {name: x, type: exclude, exclude: "
                      "{index_method: gist, elements: 'a WITH &&) WHERE (true'}}\n"),
                {"exclude elements", "is not a list of exclusion elements"});
  ExpectRefused(table("      columns:\n        - {name: a, type: integer}\n"
                      "      constraints:\n        - {name: x, type: unique, columns: [b]}\n"),
                {"constraint \"x\"", "column \"b\" does not exist in table \"t\""});
  ExpectRefused(table("      columns:\n        - {name: a, type: integer}\n"
                      "      constraints:\n        - {name: x, type: check, check: 'a > 0', "
                      "deferrable: true}\n"),
                {"\"deferrable\" does not apply to a check constraint"});
  ExpectRefused(table("      columns:\n        - {name: a, type: integer}\n"
                      "      constraints:\n        - {name: x, type: check, check: 'a > 0); "
                      "DROP TABLE owners; --'}\n"),
                {"constraint \"x\" check", "is not a single SQL expression"});
  ExpectRefused(table("      columns:\n        - {name: a, type: integer, pk: true}\n"
                      "      constraints:\n        - {name: x, type: primary_key, columns: [a]}\n"),
                {"primary key in both `columns`"});
  ExpectRefused(table("      columns:\n        - {name: a, type: integer}\n"
                      "      constraints:\n        - {name: x, type: foreign_key, columns: [a], "
                      "references: {table: owners, columns: [id], on_delete: CASCADE, "
                      "on_delete_set_columns: [a]}}\n"),
                {"on_delete_set_columns needs on_delete SET NULL or SET DEFAULT"});
  ExpectRefused(table("      columns:\n        - {name: a, type: integer}\n"
                      "      constraints:\n        - {name: x, type: unique, columns: [a], "
                      "index_parameters: {storage_parameters: 'fillfactor=70) WHERE (true'}}\n"),
                {"storage_parameters", "is not a list of parameters"});
  ExpectRefused(table("      columns:\n        - {name: a, type: integer}\n"
                      "      constraints:\n        - {name: x, type: check, check: 'a > 0'}\n"
                      "        - {name: x, type: unique, columns: [a]}\n"),
                {"two constraints named \"x\""});
  EXPECT_FALSE(TableExists("public", "t"));
}

}  // namespace
}  // namespace zs::ops
