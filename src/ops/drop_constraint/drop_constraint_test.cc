// Lifecycle tests of drop_constraint against a real PostgreSQL: after start the old
// shape and the new version are both readable and writable and each sees the
// other's writes (up/down applied); complete leaves the final physical shape;
// rollback leaves the table as it was; bad input is refused before anything
// changes.
#include "ops/swap_lifecycle_fixture.h"

namespace zs::ops {
namespace {

// -------------------------------------------------------------- drop_constraint

constexpr const char* kCreateCheckedPosts =
    "CREATE TABLE posts (id integer PRIMARY KEY,"
    " title varchar(255) CONSTRAINT title_length CHECK (length(title) > 3));"
    "INSERT INTO posts VALUES (1, 'hello');";

// pgroll's example 23.
constexpr const char* kDropTitleLength = R"yaml(operations:
  - drop_constraint:
      table: posts
      name: title_length
      up: title
      down: SELECT CASE WHEN length(title) <= 3 THEN LPAD(title, 4, '-') ELSE title END
)yaml";

TEST_F(ConstraintLifecycle, DropCheckConstraintStartAndComplete) {
  Exec(kCreateCheckedPosts);
  Start("drop_title_length", kDropTitleLength);
  Exec(*new_, "INSERT INTO posts VALUES (2, 'ab')");  // the new version is free of the check
  EXPECT_EQ(Value(*old_, "SELECT title FROM posts WHERE id = 2"), "--ab");
  EXPECT_EQ(Value(*new_, "SELECT title FROM posts WHERE id = 2"), "ab");
  EXPECT_TRUE(Fails(*old_, "INSERT INTO posts VALUES (3, 'xy')"));  // the old one is not

  Complete();
  EXPECT_EQ(Constraints("posts"), (std::vector<std::string>{"posts_pkey PRIMARY KEY (id)"}));
  Exec(*new_, "INSERT INTO posts VALUES (3, 'xy')");
  ExpectCompleteClean();
}

TEST_F(ConstraintLifecycle, DropCheckConstraintRollback) {
  Exec(kCreateCheckedPosts);
  Rows before = Dump("posts");
  Start("drop_title_length", kDropTitleLength);
  Exec(*new_, "INSERT INTO posts VALUES (2, 'ab')");
  Rollback();
  EXPECT_EQ(Dump("posts"), before);
  EXPECT_EQ(Value("SELECT title FROM posts WHERE id = 2"), "--ab");
  ExpectRollbackClean();
}

// pgroll's example 24.
constexpr const char* kCreateLinkedPosts =
    "CREATE TABLE users (id integer PRIMARY KEY);"
    "INSERT INTO users VALUES (1);"
    "CREATE TABLE posts (id integer PRIMARY KEY,"
    " user_id integer CONSTRAINT fk_users_id REFERENCES users (id));"
    "INSERT INTO posts VALUES (1, 1);";

constexpr const char* kDropUsersFk = R"yaml(operations:
  - drop_constraint:
      table: posts
      name: fk_users_id
      up: user_id
      down: SELECT CASE WHEN EXISTS (SELECT 1 FROM users WHERE users.id = user_id) THEN user_id ELSE NULL END
)yaml";

TEST_F(ConstraintLifecycle, DropForeignKeyStartCompleteAndRollback) {
  for (bool complete : {true, false}) {
    SCOPED_TRACE(complete ? "complete" : "rollback");
    FreshDatabase();
    Exec(kCreateLinkedPosts);
    Rows before = Dump("posts");
    Start("drop_users_fk", kDropUsersFk);
    Exec(*new_, "INSERT INTO posts VALUES (2, 42)");
    EXPECT_EQ(Value(*old_, "SELECT user_id FROM posts WHERE id = 2"), "NULL");
    EXPECT_EQ(Value(*new_, "SELECT user_id FROM posts WHERE id = 2"), "42");
    EXPECT_TRUE(Fails(*old_, "INSERT INTO posts VALUES (3, 42)"));
    if (complete) {
      Complete();
      EXPECT_EQ(Constraints("posts"), (std::vector<std::string>{"posts_pkey PRIMARY KEY (id)"}));
      Exec(*new_, "INSERT INTO posts VALUES (3, 42)");
      ExpectCompleteClean();
    } else {
      Rollback();
      EXPECT_EQ(Dump("posts"), before);
      ExpectRollbackClean();
    }
  }
}

// pgroll's example 27.
constexpr const char* kDropReviewUnique = R"yaml(operations:
  - drop_constraint:
      table: reviews
      name: reviews_review_unique
      up: review
      down: review || '-' || id
)yaml";

TEST_F(ConstraintLifecycle, DropUniqueConstraintStartCompleteAndRollback) {
  for (bool complete : {true, false}) {
    SCOPED_TRACE(complete ? "complete" : "rollback");
    FreshDatabase();
    Exec(
        "CREATE TABLE reviews (id integer PRIMARY KEY,"
        " review text CONSTRAINT reviews_review_unique UNIQUE);"
        "INSERT INTO reviews VALUES (1, 'good');");
    Rows before = Dump("reviews");
    Start("drop_review_unique", kDropReviewUnique);
    Exec(*new_, "INSERT INTO reviews VALUES (2, 'good')");  // a duplicate, allowed now
    EXPECT_EQ(Value(*old_, "SELECT review FROM reviews WHERE id = 2"), "good-2");
    EXPECT_TRUE(Fails(*old_, "INSERT INTO reviews VALUES (3, 'good')"));
    if (complete) {
      Complete();
      EXPECT_EQ(Constraints("reviews"),
                (std::vector<std::string>{"reviews_pkey PRIMARY KEY (id)"}));
      EXPECT_EQ(Indexes("reviews"),
                (std::vector<std::string>{
                    "CREATE UNIQUE INDEX reviews_pkey ON public.reviews USING btree (id)"}));
      Exec(*new_, "INSERT INTO reviews VALUES (3, 'good')");
      ExpectCompleteClean();
    } else {
      Rollback();
      EXPECT_EQ(Dump("reviews"), before);
      ExpectRollbackClean();
    }
  }
}

}  // namespace
}  // namespace zs::ops
