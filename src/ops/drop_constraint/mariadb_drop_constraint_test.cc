// drop_constraint on a real MariaDB: the column is swapped without the
// constraint, which goes with the old column at complete (one ALTER that
// drops it by name too); each phase twice.
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

TEST_F(MariadbOps, DropCheckConstraint) {
  Exec(
      "CREATE TABLE posts (id int PRIMARY KEY, title varchar(50), CONSTRAINT title_length CHECK "
      "(length(title) > 3))");
  Exec("INSERT INTO posts VALUES (1, 'long title')");
  Status loaded = Load(R"yaml(operations:
  - drop_constraint: {table: posts, name: title_length, up: title, down: "CASE WHEN length(title) > 3 THEN title ELSE 'untitled' END"}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  Exec("INSERT INTO posts (id, title, _zs_new_title) VALUES (2, 'long', 'ab')");  // new: unchecked
  Exec("UPDATE posts SET _zs_new_title = title WHERE id = 1");
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.CHECK_CONSTRAINTS WHERE "
                  "CONSTRAINT_SCHEMA = DATABASE()"),
            "0");
  Exec("INSERT INTO posts VALUES (3, 'ab')");
  EXPECT_EQ(Query("SELECT id, title FROM posts ORDER BY id"),
            (std::vector<std::string>{"1|long title", "2|ab", "3|ab"}));
}

TEST_F(MariadbOps, DropUniqueConstraintRollbackKeepsIt) {
  Exec("CREATE TABLE posts (id int PRIMARY KEY, slug varchar(50), UNIQUE KEY posts_slug (slug))");
  Status loaded = Load(R"yaml(operations:
  - drop_constraint: {table: posts, name: posts_slug, up: slug, down: slug}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  RunTwice(Phase::kRollback);
  EXPECT_EQ(Indexes("posts"),
            (std::vector<std::string>{"PRIMARY unique id", "posts_slug unique slug"}));
  EXPECT_EQ(Columns("posts").size(), 2u);
}

TEST_F(MariadbOps, DropForeignKeyConstraint) {
  Exec("CREATE TABLE authors (id int PRIMARY KEY)");
  Exec(
      "CREATE TABLE posts (id int PRIMARY KEY, author int, CONSTRAINT posts_author_fk FOREIGN "
      "KEY (author) REFERENCES authors (id))");
  Status loaded = Load(R"yaml(operations:
  - drop_constraint: {table: posts, name: posts_author_fk, up: author, down: "NULL"}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE "
                  "CONSTRAINT_SCHEMA = DATABASE()"),
            "0");
  Exec("INSERT INTO posts VALUES (1, 42)");
}

}  // namespace
}  // namespace zs::ops
