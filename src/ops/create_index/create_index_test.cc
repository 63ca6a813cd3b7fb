// Lifecycle tests of create_index against a real PostgreSQL: after start the old
// shape and the new version are both readable and writable and each sees the
// other's writes (up/down applied); complete leaves the final physical shape;
// rollback leaves the table as it was; bad input is refused before anything
// changes.
#include "ops/create_index/create_index.h"
#include "ops/index_lifecycle_fixture.h"

namespace zs::ops {
namespace {

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

}  // namespace
}  // namespace zs::ops
