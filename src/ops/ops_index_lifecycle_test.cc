// Lifecycle tests of create_index, drop_index, set_replica_identity,
// rename_constraint, the sql operation's onComplete and CONCURRENTLY
// statements, and create_table's full column and constraint set, against a
// real PostgreSQL: after start, after complete, after rollback, and bad input
// that must be refused with a clear message before anything changes.
#include <initializer_list>

#include "engine/planner.h"
#include "ops/lifecycle_fixture.h"
#include "ops/op_create_index.h"
#include "ops/op_raw_sql.h"
#include "sqlcheck/expression.h"

namespace zs::ops {
namespace {

class IndexOpsLifecycle : public OpsLifecycle {
 protected:
  // fruits(id bigint pk, name text not null, price numeric not null) with three rows.
  void CreateFruits() {
    Exec(
        "CREATE TABLE fruits (id bigint PRIMARY KEY, name text NOT NULL, price numeric NOT NULL,"
        " tags text[], doc tsvector, during tstzrange);"
        "INSERT INTO fruits (id, name, price) VALUES (1, 'apple', 1.5), (2, 'banana', 0.5),"
        " (3, 'cherry', 4);");
  }

  // people(id, name with CHECK name_length, email with UNIQUE people_email), two rows.
  void CreatePeople() {
    Exec(
        "CREATE TABLE people (id integer PRIMARY KEY, name varchar(255) NOT NULL CONSTRAINT "
        "name_length CHECK (length(name) > 3), email text CONSTRAINT people_email UNIQUE);"
        "INSERT INTO people VALUES (1, 'Alice', 'a@x'), (2, 'Bobby', 'b@x');");
  }

  // Like Start, but returns start's status instead of failing the test.
  Status TryStart(const std::string& name, const std::string& yaml) {
    auto migration = migration::ParseMigration(yaml, name + ".yaml");
    if (!migration.ok()) return migration.status();
    auto engine = engine::Engine::Connect(url_, engine::Options{});
    if (!engine.ok()) return engine.status();
    engine_.emplace(std::move(engine).value());
    ZS_RETURN_IF_ERROR(engine_->Init());
    baseline_functions_ = StateFunctions();
    version_ = "public_" + name;
    return engine_->Start(*migration);
  }

  // The plan `zeroshift plan` prints for `yaml` against the current database.
  std::string PlanText(const std::string& yaml) {
    auto migration = migration::ParseMigration(yaml, "plan.yaml");
    if (!migration.ok()) Fail("parse", migration.status());
    auto engine = engine::Engine::Connect(url_, engine::Options{});
    if (!engine.ok()) Fail("engine connect", engine.status());
    auto plan = engine->PlanMigration(*migration);
    if (!plan.ok()) Fail("plan", plan.status());
    return engine::FormatPlan(*plan);
  }

  // Every relation, column, constraint, index, replica identity and schema
  // outside the catalogs and zeroshift's own schema, as one hash.
  std::string Fingerprint() {
    return Value(R"sql(
      SELECT md5(coalesce(string_agg(x, '|' ORDER BY x), '')) FROM (
        SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || c.relreplident::text
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'zeroshift')
        UNION ALL
        SELECT a.attrelid::regclass || '.' || a.attname || ':' || format_type(a.atttypid, NULL)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
        UNION ALL
        SELECT conrelid::regclass || ':' || conname || ':' || pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace
        UNION ALL
        SELECT i.indexrelid::regclass || ':' || i.indisvalid || ':' || i.indisreplident
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relnamespace = 'public'::regnamespace
        UNION ALL
        SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'zeroshift'
      ) s(x))sql");
  }

  // Start refuses `yaml`, with a message holding every one of `fragments`,
  // and the database is as it was.
  void ExpectRefused(const std::string& yaml, std::initializer_list<const char*> fragments) {
    std::string before = Fingerprint();
    Status status = TryStart("refused", yaml);
    ASSERT_FALSE(status.ok()) << yaml;
    EXPECT_NE(status.code(), Code::kDatabase)
        << "refused by PostgreSQL, not by validation: " << status.ToString();
    for (const char* fragment : fragments) {
      EXPECT_NE(status.message().find(fragment), std::string::npos)
          << "missing \"" << fragment << "\" in: " << status.message();
    }
    EXPECT_EQ(Fingerprint(), before) << yaml;
    EXPECT_FALSE(SchemaExists("public_refused"));
  }

  // `sql` fails on `conn` with a message holding `fragment`.
  static void ExpectError(pg::Connection& conn, const std::string& sql, const char* fragment) {
    Status status = conn.Run(sql);
    EXPECT_NE(status.message().find(fragment), std::string::npos)
        << sql << ": expected an error with \"" << fragment << "\", got: " << status.ToString();
  }

  std::string IndexDef(const std::string& index) {
    return Value("SELECT pg_get_indexdef(to_regclass('public." + index + "'))");
  }
  // "valid", "INVALID" or "absent".
  std::string IndexState(const std::string& index) {
    return Value(
        "SELECT coalesce((SELECT CASE WHEN indisvalid THEN 'valid' ELSE 'INVALID' END "
        "FROM pg_index WHERE indexrelid = to_regclass('public." +
        index + "')), 'absent')");
  }
  // relreplident of public.`table`, with the identity index for 'i'.
  std::string ReplicaIdentity(const std::string& table) {
    return Value(
        "SELECT c.relreplident::text || coalesce(':' || (SELECT ic.relname FROM pg_index i "
        "JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid AND "
        "i.indisreplident), '') FROM pg_class c WHERE c.oid = 'public." +
        table + "'::regclass");
  }
  std::string ConstraintDef(const std::string& table, const std::string& name) {
    return Value(
        "SELECT coalesce((SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE "
        "conrelid = 'public." +
        table + "'::regclass AND conname = '" + name + "'), 'absent')");
  }
};

// ---------------------------------------------------------------- create_index

constexpr const char* kCreateNameIndex = R"yaml(operations:
  - create_index:
      name: idx_fruits_name
      table: fruits
      columns:
        - column: name
)yaml";

TEST_F(IndexOpsLifecycle, CreateIndexStartAndComplete) {
  CreateFruits();
  Start("fruits_name_idx", kCreateNameIndex);
  EXPECT_EQ(IndexState("idx_fruits_name"), "valid");
  EXPECT_EQ(IndexDef("idx_fruits_name"),
            "CREATE INDEX idx_fruits_name ON public.fruits USING btree (name)");
  // Both versions read and write the table; each sees the other's writes.
  Exec(*new_, "INSERT INTO fruits (id, name, price) VALUES (4, 'date', 2)");
  Exec(*old_, "INSERT INTO fruits (id, name, price) VALUES (5, 'elderberry', 3)");
  EXPECT_EQ(Value(*old_, "SELECT name FROM fruits WHERE id = 4"), "date");
  EXPECT_EQ(Value(*new_, "SELECT name FROM fruits WHERE id = 5"), "elderberry");
  Exec(*new_, "SET enable_seqscan = off");
  Rows explain = Query(*new_, "EXPLAIN SELECT id FROM fruits WHERE name = 'date'");
  ASSERT_FALSE(explain.empty());
  EXPECT_NE(explain[0][0].find("idx_fruits_name"), std::string::npos) << explain[0][0];

  Complete();
  EXPECT_EQ(IndexState("idx_fruits_name"), "valid");
  Exec(*new_, "INSERT INTO fruits (id, name, price) VALUES (6, 'fig', 1)");
  EXPECT_EQ(Value(*new_, "SELECT count(*) FROM fruits"), "6");
  ExpectCompleteClean();
}

TEST_F(IndexOpsLifecycle, CreateIndexRollback) {
  CreateFruits();
  std::string before = Fingerprint();
  Start("fruits_name_idx", kCreateNameIndex);
  Exec(*new_, "INSERT INTO fruits (id, name, price) VALUES (4, 'date', 2)");
  Rollback();
  EXPECT_EQ(IndexState("idx_fruits_name"), "absent");
  EXPECT_EQ(Value("SELECT count(*) FROM fruits"), "4");
  EXPECT_EQ(Fingerprint(), before);
  ExpectRollbackClean();
}

TEST_F(IndexOpsLifecycle, CreateUniqueIndexHoldsForBothVersions) {
  CreateFruits();
  Start("fruits_unique_name", R"yaml(operations:
  - create_index:
      name: idx_fruits_unique_name
      table: fruits
      unique: true
      columns:
        - column: name
)yaml");
  EXPECT_EQ(IndexDef("idx_fruits_unique_name"),
            "CREATE UNIQUE INDEX idx_fruits_unique_name ON public.fruits USING btree (name)");
  EXPECT_TRUE(Fails(*new_, "INSERT INTO fruits (id, name, price) VALUES (4, 'apple', 1)"));
  EXPECT_TRUE(Fails(*old_, "INSERT INTO fruits (id, name, price) VALUES (4, 'banana', 1)"));
  Exec(*new_, "INSERT INTO fruits (id, name, price) VALUES (4, 'date', 1)");
  Complete();
  EXPECT_TRUE(Fails(*new_, "INSERT INTO fruits (id, name, price) VALUES (5, 'date', 1)"));
  ExpectCompleteClean();
}

TEST_F(IndexOpsLifecycle, CreateIndexEmitsEveryFieldOption) {
  CreateFruits();
  Start("fruits_options", R"yaml(operations:
  - create_index:
      name: idx_fruits_options
      table: fruits
      columns:
        - column: name
          collate: C
          opclass: {name: text_pattern_ops}
          sort: DESC
          nulls: LAST
        - column: id
          nulls: FIRST
      storage_parameters: fillfactor = 70, deduplicate_items = off
      predicate: price > 1 -- only the dear ones
)yaml");
  EXPECT_EQ(IndexDef("idx_fruits_options"),
            "CREATE INDEX idx_fruits_options ON public.fruits USING btree (name COLLATE \"C\" "
            "text_pattern_ops DESC NULLS LAST, id NULLS FIRST) WITH (fillfactor='70', "
            "deduplicate_items=off) WHERE (price > (1)::numeric)");
  EXPECT_EQ(IndexState("idx_fruits_options"), "valid");
  Rollback();
  EXPECT_EQ(IndexState("idx_fruits_options"), "absent");
  ExpectRollbackClean();
}

TEST_F(IndexOpsLifecycle, CreateIndexWithEachMethodAndOpclassParameters) {
  CreateFruits();
  Start("fruits_methods", R"yaml(operations:
  - create_index: {name: idx_hash, table: fruits, method: hash, columns: [{column: name}],
                   storage_parameters: fillfactor = 70}
  - create_index: {name: idx_gin, table: fruits, method: gin, columns: [{column: tags}]}
  - create_index: {name: idx_brin, table: fruits, method: brin, columns: [{column: id}],
                   storage_parameters: pages_per_range = 16}
  - create_index: {name: idx_spgist, table: fruits, method: spgist, columns: [{column: name}]}
  - create_index:
      name: idx_gist
      table: fruits
      method: gist
      columns: [{column: doc, opclass: {name: tsvector_ops, params: [siglen = 100]}}]
)yaml");
  EXPECT_EQ(IndexDef("idx_hash"),
            "CREATE INDEX idx_hash ON public.fruits USING hash (name) WITH (fillfactor='70')");
  EXPECT_EQ(IndexDef("idx_gin"), "CREATE INDEX idx_gin ON public.fruits USING gin (tags)");
  EXPECT_EQ(IndexDef("idx_brin"),
            "CREATE INDEX idx_brin ON public.fruits USING brin (id) WITH (pages_per_range='16')");
  EXPECT_EQ(IndexDef("idx_spgist"), "CREATE INDEX idx_spgist ON public.fruits USING spgist (name)");
  EXPECT_EQ(IndexDef("idx_gist"),
            "CREATE INDEX idx_gist ON public.fruits USING gist (doc tsvector_ops (siglen='100'))");
  Complete();
  EXPECT_EQ(Value("SELECT count(*) FROM pg_index WHERE indrelid = 'fruits'::regclass AND "
                  "indisvalid"),
            "6");
  ExpectCompleteClean();
}

TEST_F(IndexOpsLifecycle, FailedUniqueBuildLeavesNoInvalidIndex) {
  CreateFruits();
  Exec("INSERT INTO fruits (id, name, price) VALUES (4, 'apple', 9)");
  Status status = TryStart("dup", R"yaml(operations:
  - create_index: {name: idx_dup, table: fruits, unique: true, columns: [{column: name}]}
)yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.sqlstate(), "23505") << status.ToString();
  for (const char* fragment :
       {"create_index:idx_dup", "could not create unique index \"idx_dup\"",
        "cleared with `DROP INDEX CONCURRENTLY IF EXISTS \"public\".\"idx_dup\";`",
        "zeroshift rollback"}) {
    EXPECT_NE(status.message().find(fragment), std::string::npos)
        << fragment << " in: " << status.message();
  }
  EXPECT_EQ(IndexState("idx_dup"), "absent");
  Rollback();
  ExpectRollbackClean();
}

TEST_F(IndexOpsLifecycle, ValidityCheckNamesTheIndexAndHowToDropIt) {
  CreateFruits();
  Exec(
      "CREATE INDEX idx_broken ON fruits (name);"
      "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'idx_broken'::regclass;");
  Status status = old_->Run(IndexValidCheckSql("public", "idx_broken", "fruits"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.sqlstate(), "55000");
  for (const char* fragment :
       {"index \"public\".\"idx_broken\" on table \"fruits\" is missing or INVALID",
        "drop it with DROP INDEX CONCURRENTLY IF EXISTS \"public\".\"idx_broken\";"}) {
    EXPECT_NE(status.message().find(fragment), std::string::npos) << status.message();
  }
  Exec("UPDATE pg_index SET indisvalid = true WHERE indexrelid = 'idx_broken'::regclass");
  EXPECT_TRUE(old_->Run(IndexValidCheckSql("public", "idx_broken", "fruits")).ok());
  // A name that would end the DO body's quoting stays inside it.
  EXPECT_FALSE(old_->Run(IndexValidCheckSql("public", "x'; DROP TABLE fruits; --", "t")).ok());
  EXPECT_TRUE(TableExists("public", "fruits"));
}

TEST_F(IndexOpsLifecycle, CreateIndexRefusesBadInput) {
  CreateFruits();
  ExpectRefused(R"yaml(operations:
  - create_index: {name: i1, table: vegetables, columns: [{column: name}]}
)yaml",
                {"refused.yaml:2:5 create_index", "table \"vegetables\" does not exist"});
  ExpectRefused(R"yaml(operations:
  - create_index: {name: i1, table: fruits, columns: [{column: colour}]}
)yaml",
                {"column \"colour\" does not exist in table \"fruits\""});
  ExpectRefused(R"yaml(operations:
  - create_index: {name: i1, table: fruits, columns: [{column: id}], predicate: "id >"}
)yaml",
                {"index \"i1\" predicate", "is not a single SQL expression"});
  ExpectRefused(R"yaml(operations:
  - create_index: {name: i1, table: fruits, columns: [{column: id}],
                   predicate: "id > 1); DROP TABLE fruits; --"}
)yaml",
                {"index \"i1\" predicate", "is not a single SQL expression"});
  ExpectRefused(R"yaml(operations:
  - create_index: {name: i1, table: fruits, columns: [{column: id}],
                   predicate: "true; DROP TABLE fruits"}
)yaml",
                {"is not a single SQL expression"});
  ExpectRefused(R"yaml(operations:
  - create_index: {name: i1, table: fruits, columns: [{column: id}], predicate: "colour = 'red'"}
)yaml",
                {"refers to column \"colour\", which table \"fruits\" does not have"});
  ExpectRefused(R"yaml(operations:
  - create_index: {name: i1, table: fruits, columns: [{column: id}],
                   storage_parameters: "fillfactor = 70) WHERE (true"}
)yaml",
                {"storage_parameters", "is not a list of parameters"});
  ExpectRefused(R"yaml(operations:
  - create_index: {name: i1, table: fruits, columns: [{column: id}],
                   storage_parameters: "fillfactor = 70); DROP TABLE fruits; --"}
)yaml",
                {"storage_parameters", "is not a list of parameters"});
  ExpectRefused(R"yaml(operations:
  - create_index:
      name: i1
      table: fruits
      method: gist
      columns: [{column: doc, opclass: {name: tsvector_ops, params: ["siglen = 8)) --"]}}]
)yaml",
                {"opclass params", "is not a list of parameters"});
  ExpectRefused(R"yaml(operations:
  - create_index: {name: i1, table: fruits, method: hash, unique: true, columns: [{column: id}]}
)yaml",
                {"only btree indexes can be unique"});
  ExpectRefused(R"yaml(operations:
  - create_index: {name: i1, table: fruits, method: gin, columns: [{column: tags, sort: DESC}]}
)yaml",
                {"sort and nulls order need a btree index"});
  ExpectRefused(R"yaml(operations:
  - create_index: {name: fruits_pkey, table: fruits, columns: [{column: id}]}
)yaml",
                {"a relation named \"fruits_pkey\" already exists"});
  ExpectRefused(R"yaml(operations:
  - create_index: {name: "bad\"name", table: fruits, columns: [{column: id}]}
)yaml",
                {"index name", "contains a double quote"});
  ExpectRefused(R"yaml(operations:
  - create_index: {name: i1, table: fruits, columns: [{column: name, collate: "C\" ; x"}]}
)yaml",
                {"collate", "contains a double quote"});
  Exec(
      "CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);"
      "CREATE INDEX events_at ON events (at);");
  ExpectRefused(R"yaml(operations:
  - create_index: {name: i1, table: events, columns: [{column: id}]}
)yaml",
                {"table \"events\" is partitioned", "CONCURRENTLY"});
  ExpectRefused(R"yaml(operations:
  - drop_index: {name: events_at}
)yaml",
                {"is on partitioned table \"events\""});
  // A valid operation before a bad one does not run either.
  ExpectRefused(R"yaml(operations:
  - create_index: {name: i_ok, table: fruits, columns: [{column: id}]}
  - create_index: {name: i_bad, table: fruits, columns: [{column: nope}]}
)yaml",
                {"refused.yaml:3:5", "column \"nope\" does not exist"});
  EXPECT_EQ(IndexState("i_ok"), "absent");
}

// ------------------------------------------------------------------ drop_index

constexpr const char* kDropNameIndex = R"yaml(operations:
  - drop_index:
      name: idx_fruits_name
)yaml";

TEST_F(IndexOpsLifecycle, DropIndexStartAndComplete) {
  CreateFruits();
  Exec("CREATE INDEX idx_fruits_name ON fruits (name)");
  Start("drop_fruits_name", kDropNameIndex);
  // The old version may still rely on it: it stays until complete.
  EXPECT_EQ(IndexState("idx_fruits_name"), "valid");
  Exec(*new_, "INSERT INTO fruits (id, name, price) VALUES (4, 'date', 2)");
  Exec(*old_, "INSERT INTO fruits (id, name, price) VALUES (5, 'fig', 2)");
  EXPECT_EQ(Value(*new_, "SELECT count(*) FROM fruits"), "5");
  Complete();
  EXPECT_EQ(IndexState("idx_fruits_name"), "absent");
  EXPECT_EQ(IndexState("fruits_pkey"), "valid");
  ExpectCompleteClean();
}

TEST_F(IndexOpsLifecycle, DropIndexRollback) {
  CreateFruits();
  Exec("CREATE INDEX idx_fruits_name ON fruits (name)");
  std::string before = Fingerprint();
  Start("drop_fruits_name", kDropNameIndex);
  Rollback();
  EXPECT_EQ(IndexState("idx_fruits_name"), "valid");
  EXPECT_EQ(Fingerprint(), before);
  ExpectRollbackClean();
}

TEST_F(IndexOpsLifecycle, DropIndexRefusesBadInput) {
  CreateFruits();
  ExpectRefused(kDropNameIndex, {"index \"idx_fruits_name\" does not exist in schema \"public\""});
  ExpectRefused(R"yaml(operations:
  - drop_index: {name: fruits_pkey}
)yaml",
                {"belongs to constraint \"fruits_pkey\"", "drop_constraint"});
}

// ------------------------------------------------------- set_replica_identity

TEST_F(IndexOpsLifecycle, SetReplicaIdentityStartAndComplete) {
  CreateFruits();
  Start("fruits_identity", R"yaml(operations:
  - set_replica_identity:
      table: fruits
      identity: {type: index, index: fruits_pkey}
)yaml");
  // Applied to the table at start: both versions share it.
  EXPECT_EQ(ReplicaIdentity("fruits"), "i:fruits_pkey");
  Exec(*new_, "UPDATE fruits SET price = 2 WHERE id = 1");
  Exec(*old_, "UPDATE fruits SET price = 3 WHERE id = 2");
  Complete();
  EXPECT_EQ(ReplicaIdentity("fruits"), "i:fruits_pkey");
  ExpectCompleteClean();
}

TEST_F(IndexOpsLifecycle, SetReplicaIdentityRollbackRestoresTheIndexIdentity) {
  CreateFruits();
  Exec(
      "CREATE UNIQUE INDEX fruits_name_key ON fruits (name);"
      "ALTER TABLE fruits REPLICA IDENTITY USING INDEX fruits_name_key");
  std::string before = Fingerprint();
  Start("fruits_identity", R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: FULL, index: ""}}
)yaml");
  EXPECT_EQ(ReplicaIdentity("fruits"), "f");
  Rollback();
  EXPECT_EQ(ReplicaIdentity("fruits"), "i:fruits_name_key");
  EXPECT_EQ(Fingerprint(), before);
  ExpectRollbackClean();
}

TEST_F(IndexOpsLifecycle, SetReplicaIdentityRollbackRestoresFullAndDefault) {
  CreateFruits();
  Exec("ALTER TABLE fruits REPLICA IDENTITY FULL");
  Start("fruits_identity", R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: nothing, index: ""}}
)yaml");
  EXPECT_EQ(ReplicaIdentity("fruits"), "n");
  Rollback();
  EXPECT_EQ(ReplicaIdentity("fruits"), "f");
  ExpectRollbackClean();

  Exec("ALTER TABLE fruits REPLICA IDENTITY DEFAULT");
  Start("fruits_identity_2", R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: index, index: fruits_pkey}}
)yaml");
  EXPECT_EQ(ReplicaIdentity("fruits"), "i:fruits_pkey");
  Rollback();
  EXPECT_EQ(ReplicaIdentity("fruits"), "d");
  ExpectRollbackClean();
}

TEST_F(IndexOpsLifecycle, SetReplicaIdentityRefusesBadInput) {
  CreateFruits();
  Exec(
      "CREATE INDEX idx_plain ON fruits (name);"
      "CREATE UNIQUE INDEX idx_partial ON fruits (name) WHERE price > 0;"
      "CREATE UNIQUE INDEX idx_nullable ON fruits (tags);");
  ExpectRefused(R"yaml(operations:
  - set_replica_identity: {table: vegetables, identity: {type: full, index: ""}}
)yaml",
                {"table \"vegetables\" does not exist"});
  ExpectRefused(R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: most, index: ""}}
)yaml",
                {"replica identity type \"most\" is not one of default, full, nothing, index"});
  ExpectRefused(R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: index, index: idx_missing}}
)yaml",
                {"table \"fruits\" has no index \"idx_missing\""});
  ExpectRefused(R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: index, index: idx_plain}}
)yaml",
                {"must be a valid unique index"});
  ExpectRefused(R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: index, index: idx_partial}}
)yaml",
                {"must not be partial"});
  ExpectRefused(R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: index, index: idx_nullable}}
)yaml",
                {"its column \"tags\" must be NOT NULL"});
  ExpectRefused(R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: index, index: ""}}
)yaml",
                {"identity type index needs `index`"});
}

// ---------------------------------------------------------- rename_constraint

constexpr const char* kRenameCheck = R"yaml(operations:
  - rename_constraint:
      table: people
      from: name_length
      to: name_length_check
)yaml";

TEST_F(IndexOpsLifecycle, RenameConstraintStartAndComplete) {
  CreatePeople();
  Start("rename_check", kRenameCheck);
  // Renamed at complete: while active it keeps its name, and holds for both versions.
  EXPECT_EQ(ConstraintDef("people", "name_length"), "CHECK ((length((name)::text) > 3))");
  EXPECT_TRUE(Fails(*new_, "INSERT INTO people VALUES (3, 'Al', 'c@x')"));
  EXPECT_TRUE(Fails(*old_, "INSERT INTO people VALUES (3, 'Al', 'c@x')"));
  Exec(*new_, "INSERT INTO people VALUES (3, 'Carol', 'c@x')");
  Complete();
  EXPECT_EQ(ConstraintDef("people", "name_length"), "absent");
  EXPECT_EQ(ConstraintDef("people", "name_length_check"), "CHECK ((length((name)::text) > 3))");
  EXPECT_TRUE(Fails(*new_, "INSERT INTO people VALUES (4, 'Di', 'd@x')"));
  ExpectCompleteClean();
}

TEST_F(IndexOpsLifecycle, RenameConstraintRollback) {
  CreatePeople();
  std::string before = Fingerprint();
  Start("rename_check", kRenameCheck);
  Rollback();
  EXPECT_EQ(ConstraintDef("people", "name_length"), "CHECK ((length((name)::text) > 3))");
  EXPECT_EQ(Fingerprint(), before);
  ExpectRollbackClean();
}

TEST_F(IndexOpsLifecycle, RenameUniqueConstraintRenamesItsIndexAtComplete) {
  CreatePeople();
  Start("rename_unique", R"yaml(operations:
  - rename_constraint: {table: people, from: people_email, to: people_email_key}
)yaml");
  EXPECT_EQ(IndexState("people_email"), "valid");
  Complete();
  EXPECT_EQ(IndexState("people_email"), "absent");
  EXPECT_EQ(IndexState("people_email_key"), "valid");
  EXPECT_EQ(ConstraintDef("people", "people_email_key"), "UNIQUE (email)");
  ExpectCompleteClean();
}

TEST_F(IndexOpsLifecycle, RenameConstraintRefusesBadInput) {
  CreatePeople();
  ExpectRefused(R"yaml(operations:
  - rename_constraint: {table: humans, from: name_length, to: x}
)yaml",
                {"table \"humans\" does not exist"});
  ExpectRefused(R"yaml(operations:
  - rename_constraint: {table: people, from: nope, to: x}
)yaml",
                {"table \"people\" has no constraint \"nope\"", "name_length"});
  ExpectRefused(R"yaml(operations:
  - rename_constraint: {table: people, from: name_length, to: people_pkey}
)yaml",
                {"already has a constraint \"people_pkey\""});
  ExpectRefused(R"yaml(operations:
  - rename_constraint: {table: people, from: name_length, to: "x; DROP TABLE people"}
)yaml",
                {"new constraint name", "contains a semicolon"});
  ExpectRefused(R"yaml(operations:
  - rename_constraint: {table: people, from: people_email, to: people}
)yaml",
                {"owns an index that would be renamed \"people\""});
}

// ------------------------------------------------------------------------- sql

constexpr const char* kSqlOnComplete = R"yaml(operations:
  - sql:
      up: ALTER TABLE people ADD COLUMN birth_date timestamp
      onComplete: true
)yaml";

TEST_F(IndexOpsLifecycle, SqlOnCompleteRunsAtComplete) {
  CreatePeople();
  Start("sql_on_complete", kSqlOnComplete);
  EXPECT_EQ(Value("SELECT count(*) FROM information_schema.columns WHERE table_name = 'people' "
                  "AND column_name = 'birth_date'"),
            "0");
  Exec(*new_, "INSERT INTO people (id, name) VALUES (3, 'Carol')");
  Complete();
  EXPECT_EQ(Value("SELECT count(*) FROM information_schema.columns WHERE table_name = 'people' "
                  "AND column_name = 'birth_date'"),
            "1");
  ExpectCompleteClean();
}

TEST_F(IndexOpsLifecycle, SqlOnCompleteRollbackRunsNothing) {
  CreatePeople();
  std::string before = Fingerprint();
  Start("sql_on_complete", kSqlOnComplete);
  Rollback();
  EXPECT_EQ(Fingerprint(), before);
  ExpectRollbackClean();
}

constexpr const char* kSqlConcurrently = R"yaml(operations:
  - sql:
      up: |
        CREATE INDEX CONCURRENTLY people_name ON people (name);
        CREATE TABLE audit (id int);
        INSERT INTO audit VALUES (1); -- seeded
        REINDEX INDEX CONCURRENTLY people_name
      down: |
        DROP INDEX CONCURRENTLY IF EXISTS people_name;
        DROP TABLE IF EXISTS audit;
)yaml";

TEST_F(IndexOpsLifecycle, SqlRunsConcurrentStatementsOutsideATransaction) {
  CreatePeople();
  std::string plan = PlanText(kSqlConcurrently);
  for (const char* fragment : {"-- sql:0:up:1  [SHARE UPDATE EXCLUSIVE]  [outside transaction]\n"
                               "CREATE INDEX CONCURRENTLY people_name ON people (name);\n",
                               "-- sql:0:up:2  [ACCESS EXCLUSIVE]\nCREATE TABLE audit (id int);\n"
                               "INSERT INTO audit VALUES (1);\n",
                               "-- sql:0:up:3  [SHARE UPDATE EXCLUSIVE]  [outside transaction]\n"
                               "REINDEX INDEX CONCURRENTLY people_name;\n",
                               "-- sql:0:down:1  [SHARE UPDATE EXCLUSIVE]  [outside transaction]\n"
                               "DROP INDEX CONCURRENTLY IF EXISTS people_name;\n"}) {
    EXPECT_NE(plan.find(fragment), std::string::npos) << fragment << "\nin:\n" << plan;
  }
  Start("sql_concurrently", kSqlConcurrently);
  EXPECT_EQ(IndexState("people_name"), "valid");
  EXPECT_EQ(Value("SELECT count(*) FROM audit"), "1");
  Rollback();
  EXPECT_EQ(IndexState("people_name"), "absent");
  EXPECT_FALSE(TableExists("public", "audit"));
  ExpectRollbackClean();
}

TEST_F(IndexOpsLifecycle, SqlRefusesTransactionControl) {
  CreatePeople();
  ExpectRefused(R"yaml(operations:
  - sql: {up: "BEGIN; CREATE TABLE t (id int); COMMIT"}
)yaml",
                {"refused.yaml:2:5 sql up", "`BEGIN` controls the transaction"});
  ExpectRefused(R"yaml(operations:
  - sql: {up: "CREATE TABLE t (id int", down: "DROP TABLE t"}
)yaml",
                {"the SQL does not parse"});
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

// ---------------------------------------------------------------- plan locks

TEST_F(IndexOpsLifecycle, PlanNamesTheLockOfEachStep) {
  CreateFruits();
  CreatePeople();
  Exec("CREATE INDEX idx_old ON fruits (price)");
  std::string plan = PlanText(R"yaml(operations:
  - create_index: {name: idx_fruits_name, table: fruits, columns: [{column: name}]}
  - drop_index: {name: idx_old}
  - set_replica_identity: {table: fruits, identity: {type: full, index: ""}}
  - rename_constraint: {table: people, from: name_length, to: name_length_check}
)yaml");
  for (const char* fragment :
       {"-- create_index:idx_fruits_name  [SHARE UPDATE EXCLUSIVE on fruits]  [outside "
        "transaction]\nCREATE INDEX CONCURRENTLY \"idx_fruits_name\" ON \"public\".\"fruits\" "
        "USING btree (\"name\");\n",
        "-- create_index:idx_fruits_name:check_valid\nDO ",
        "-- set_replica_identity:fruits  [ACCESS EXCLUSIVE on fruits]\nALTER TABLE "
        "\"public\".\"fruits\" REPLICA IDENTITY FULL;\n",
        "-- drop_index:idx_old  [SHARE UPDATE EXCLUSIVE on fruits]  [outside transaction]\n"
        "DROP INDEX CONCURRENTLY IF EXISTS \"public\".\"idx_old\";\n",
        "[ACCESS EXCLUSIVE on people]\nALTER TABLE \"public\".\"people\" RENAME CONSTRAINT "
        "\"name_length\" TO \"name_length_check\";\n",
        "-- set_replica_identity:fruits:restore  [ACCESS EXCLUSIVE on fruits]\nALTER TABLE "
        "\"public\".\"fruits\" REPLICA IDENTITY DEFAULT;\n",
        "-- create_index:idx_fruits_name:drop  [SHARE UPDATE EXCLUSIVE on fruits]  [outside "
        "transaction]\nDROP INDEX CONCURRENTLY IF EXISTS \"public\".\"idx_fruits_name\";\n"}) {
    EXPECT_NE(plan.find(fragment), std::string::npos) << fragment << "\nin:\n" << plan;
  }
}

// The locks the plan names are the ones PostgreSQL takes: each statement
// waits behind a session holding only ACCESS SHARE (a reader) exactly when it
// needs ACCESS EXCLUSIVE.
TEST_F(IndexOpsLifecycle, PlannedLocksMatchWhatPostgresTakes) {
  CreatePeople();
  Exec("CREATE INDEX people_name ON people (name)");
  auto reader = Connect("public");
  Exec(*reader, "BEGIN; SELECT count(*) FROM people");
  auto blocked = [&](const std::string& sql) {
    Status status = old_->Run("SET lock_timeout = '100ms'; " + sql);
    Exec(*old_, "SET lock_timeout = 0");
    return status.sqlstate() == "55P03";
  };
  EXPECT_TRUE(blocked("ALTER TABLE people REPLICA IDENTITY FULL"));
  EXPECT_TRUE(blocked("ALTER TABLE people RENAME CONSTRAINT name_length TO n2"));
  // SHARE UPDATE EXCLUSIVE does not conflict with a reader's ACCESS SHARE.
  EXPECT_FALSE(blocked("CREATE INDEX CONCURRENTLY people_email2 ON people (email)"));
  Exec(*reader, "ROLLBACK");
}

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

TEST(IndexOpsSql, RawConcurrentIndexBuildIsClearedBeforeARetry) {
  RawSql op({.up = "CREATE INDEX CONCURRENTLY i ON app.t (a);\n"
                   "CREATE INDEX CONCURRENTLY IF NOT EXISTS j ON t (a)"});
  schema::Schema schema{.name = "public"};
  OpContext ctx{.index = 3, .before = &schema, .after = &schema, .where = "m.yaml:2:5 sql"};
  ASSERT_TRUE(op.Validate(ctx).ok());
  std::vector<Action> actions = op.Start(ctx);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].id, "sql:3:up:1");
  EXPECT_FALSE(actions[0].transactional);
  EXPECT_EQ(actions[0].before_retry_sql, "DROP INDEX CONCURRENTLY IF EXISTS \"app\".\"i\";");
  // With IF NOT EXISTS the index of that name may not be the statement's: never dropped.
  EXPECT_EQ(actions[1].id, "sql:3:up:2");
  EXPECT_EQ(actions[1].before_retry_sql, "");
}

}  // namespace
}  // namespace zs::ops
