#include "schema/mariadb_reader.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/mariadb_backend.h"
#include "mysql/connection.h"
#include "testing/shared_mariadb.h"

namespace zs::schema {
namespace {

// Every kind of column, default, constraint, index, foreign key and comment,
// and names that need quoting. Each statement is sent on its own (no
// multi-statements).
const std::vector<std::string> kMariadbFixture = {
    R"sql(CREATE TABLE parents (id INT PRIMARY KEY, code VARCHAR(10) NOT NULL UNIQUE))sql",
    R"sql(CREATE TABLE users (
  id BIGINT NOT NULL AUTO_INCREMENT,
  email VARCHAR(100) NOT NULL COMMENT 'login',
  name TEXT DEFAULT 'anon',
  nick VARCHAR(20) DEFAULT NULL,
  quote VARCHAR(20) DEFAULT 'it''s',
  age INT UNSIGNED DEFAULT 0 CHECK (age < 200),
  born TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  score DECIMAL(5,2) NOT NULL DEFAULT 1.50,
  tag VARCHAR(10) DEFAULT 'NULL',
  name_len INT AS (CHAR_LENGTH(name)) PERSISTENT,
  name_up VARCHAR(200) AS (UPPER(name)) VIRTUAL,
  kind ENUM('a','b') NOT NULL DEFAULT 'a',
  doc JSON,
  parent_id INT NULL,
  parent_code VARCHAR(10),
  PRIMARY KEY (id),
  UNIQUE KEY users_email_key (email),
  UNIQUE KEY users_doc_hash (doc) USING HASH,
  KEY users_name_age (name(10), age DESC),
  FULLTEXT KEY users_ft (name),
  CONSTRAINT users_score_check CHECK (score >= 0 AND `score` < `age` + 1000),
  CONSTRAINT users_parent FOREIGN KEY (parent_id) REFERENCES parents (id)
    ON DELETE CASCADE ON UPDATE SET NULL,
  CONSTRAINT users_parent_code FOREIGN KEY (parent_code) REFERENCES parents (code)
) COMMENT='people')sql",
    R"sql(CREATE TABLE memberships (
  group_id INT NOT NULL,
  user_id BIGINT NOT NULL,
  PRIMARY KEY (user_id, group_id)
))sql",
    "CREATE TABLE `we``ird name` (`col umn` INT NOT NULL, `ünï` INT DEFAULT 7 COMMENT 'ü', "
    "UNIQUE INDEX `uq ü` (`col umn`, `ünï`), CONSTRAINT `fk ü` FOREIGN KEY (`col umn`) "
    "REFERENCES parents (id)) COMMENT 'tëst'",
    "CREATE TABLE parted (id INT PRIMARY KEY) PARTITION BY HASH (id) PARTITIONS 2",
    "CREATE TABLE history (x INT) WITH SYSTEM VERSIONING",
    "CREATE VIEW a_view AS SELECT id, email FROM users",
    "CREATE SEQUENCE a_sequence",
};

mysql::Connection MariadbOpenOrDie(const std::string& url) {
  Result<mysql::Connection> conn = mysql::Connection::Open(url);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) std::abort();
  return std::move(conn).value();
}

std::string DatabaseOf(const std::string& url) {
  Result<mysql::ConnectParams> params = mysql::ParseUrl(url);
  EXPECT_TRUE(params.ok()) << params.status().ToString();
  return params.ok() ? params->database : "";
}

std::vector<std::string> NamesOf(const std::vector<Table>& tables) {
  std::vector<std::string> names;
  for (const Table& table : tables) names.push_back(table.name);
  return names;
}

const Constraint* FindConstraint(const Table& table, const std::string& name) {
  for (const Constraint& constraint : table.constraints) {
    if (constraint.name == name) return &constraint;
  }
  return nullptr;
}

class MariadbReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshMariadbDatabaseUrl();
    database_ = DatabaseOf(url_);
    conn_.emplace(MariadbOpenOrDie(url_));
    for (const std::string& sql : kMariadbFixture) {
      Status status = conn_->Run(sql);
      ASSERT_TRUE(status.ok()) << sql << ": " << status.ToString();
    }
    Result<Schema> schema = ReadMariadbSchema(*conn_, database_);
    ASSERT_TRUE(schema.ok()) << schema.status().ToString();
    schema_ = std::move(schema).value();
  }

  const Table& TableNamed(const std::string& name) {
    const Table* table = schema_.FindTable(name);
    EXPECT_NE(table, nullptr) << name;
    if (table == nullptr) std::abort();
    return *table;
  }

  std::string url_;
  std::string database_;
  std::optional<mysql::Connection> conn_;
  Schema schema_;
};

TEST_F(MariadbReaderTest, ListsBaseTablesByNameWithoutViewsOrSequences) {
  EXPECT_EQ(schema_.name, database_);
  EXPECT_EQ(NamesOf(schema_.tables), (std::vector<std::string>{"history", "memberships", "parents",
                                                               "parted", "users", "we`ird name"}));
  for (const Table& table : schema_.tables) EXPECT_EQ(table.name, table.physical_name);
  EXPECT_TRUE(TableNamed("parted").partitioned);
  EXPECT_FALSE(TableNamed("users").partitioned);
  EXPECT_EQ(TableNamed("users").comment, "people");
  EXPECT_EQ(TableNamed("memberships").comment, std::nullopt);
  EXPECT_EQ(TableNamed("users").replica_identity, "d");
}

TEST_F(MariadbReaderTest, ReadsColumnsTypesAndNullability) {
  const Table& users = TableNamed("users");
  std::vector<std::string> names;
  for (const Column& column : users.columns) names.push_back(column.physical_name);
  EXPECT_EQ(names, (std::vector<std::string>{"id", "email", "name", "nick", "quote", "age", "born",
                                             "score", "tag", "name_len", "name_up", "kind", "doc",
                                             "parent_id", "parent_code"}));
  const Column& id = *users.FindColumn("id");
  EXPECT_EQ(id.type, "bigint(20)");
  EXPECT_FALSE(id.nullable);
  EXPECT_EQ(id.identity, "d");
  EXPECT_EQ(users.FindColumn("age")->type, "int(10) unsigned");
  EXPECT_EQ(users.FindColumn("age")->identity, "");
  EXPECT_EQ(users.FindColumn("kind")->type, "enum('a','b')");
  EXPECT_EQ(users.FindColumn("email")->comment, "login");
  EXPECT_EQ(users.FindColumn("name")->comment, std::nullopt);
  EXPECT_TRUE(users.FindColumn("nick")->nullable);
}

// MariaDB 10.2+ reports defaults as expressions: literals quoted, the string
// NULL for "no default" and DEFAULT NULL, SQL NULL for a NOT NULL column
// without one.
TEST_F(MariadbReaderTest, ReadsDefaultsAsExpressions) {
  const Table& users = TableNamed("users");
  EXPECT_EQ(users.FindColumn("id")->default_expr, std::nullopt);
  EXPECT_EQ(users.FindColumn("email")->default_expr, std::nullopt);
  EXPECT_EQ(users.FindColumn("name")->default_expr, "'anon'");
  EXPECT_EQ(users.FindColumn("nick")->default_expr, std::nullopt);
  EXPECT_EQ(users.FindColumn("doc")->default_expr, std::nullopt);
  EXPECT_EQ(users.FindColumn("quote")->default_expr, "'it''s'");
  EXPECT_EQ(users.FindColumn("age")->default_expr, "0");
  EXPECT_EQ(users.FindColumn("born")->default_expr, "current_timestamp()");
  EXPECT_EQ(users.FindColumn("score")->default_expr, "1.50");
  EXPECT_EQ(users.FindColumn("tag")->default_expr, "'NULL'");
  EXPECT_EQ(users.FindColumn("kind")->default_expr, "'a'");
}

TEST_F(MariadbReaderTest, ReadsGeneratedColumnsWithTheirExpression) {
  const Table& users = TableNamed("users");
  const Column& stored = *users.FindColumn("name_len");
  EXPECT_TRUE(stored.generated);
  EXPECT_EQ(stored.default_expr, "char_length(`name`)");
  const Column& virtual_column = *users.FindColumn("name_up");
  EXPECT_TRUE(virtual_column.generated);
  EXPECT_EQ(virtual_column.default_expr, "ucase(`name`)");
  EXPECT_FALSE(users.FindColumn("name")->generated);
}

TEST_F(MariadbReaderTest, ReadsPrimaryUniqueAndCheckConstraints) {
  const Table& users = TableNamed("users");
  EXPECT_EQ(users.primary_key, (std::vector<std::string>{"id"}));
  EXPECT_EQ(TableNamed("memberships").primary_key,
            (std::vector<std::string>{"user_id", "group_id"}));

  const Constraint* pkey = FindConstraint(users, "PRIMARY");
  ASSERT_NE(pkey, nullptr);
  EXPECT_EQ(pkey->type, 'p');
  EXPECT_EQ(pkey->definition, "PRIMARY KEY (`id`)");
  const Constraint* email = FindConstraint(users, "users_email_key");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(email->type, 'u');
  EXPECT_EQ(email->columns, (std::vector<std::string>{"email"}));
  EXPECT_EQ(email->definition, "UNIQUE (`email`)");
  const Constraint* hash = FindConstraint(users, "users_doc_hash");
  ASSERT_NE(hash, nullptr);
  EXPECT_EQ(hash->definition, "UNIQUE (`doc`) USING HASH");

  const Constraint* age = FindConstraint(users, "age");  // column-level: named by the column
  ASSERT_NE(age, nullptr);
  EXPECT_EQ(age->type, 'c');
  EXPECT_EQ(age->columns, (std::vector<std::string>{"age"}));
  EXPECT_EQ(age->definition, "CHECK (`age` < 200)");
  EXPECT_TRUE(age->validated);
  const Constraint* score = FindConstraint(users, "users_score_check");
  ASSERT_NE(score, nullptr);
  EXPECT_EQ(score->columns, (std::vector<std::string>{"age", "score"}));
  EXPECT_EQ(score->definition, "CHECK (`score` >= 0 and `score` < `age` + 1000)");
  const Constraint* json = FindConstraint(users, "doc");  // a JSON column's own check
  ASSERT_NE(json, nullptr);
  EXPECT_EQ(json->definition, "CHECK (json_valid(`doc`))");

  std::vector<std::string> names;
  for (const Constraint& constraint : users.constraints) names.push_back(constraint.name);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST_F(MariadbReaderTest, ReadsForeignKeysWithTheirRules) {
  const Table& users = TableNamed("users");
  const Constraint* parent = FindConstraint(users, "users_parent");
  ASSERT_NE(parent, nullptr);
  EXPECT_EQ(parent->type, 'f');
  EXPECT_EQ(parent->columns, (std::vector<std::string>{"parent_id"}));
  EXPECT_EQ(parent->definition, "FOREIGN KEY (`parent_id`) REFERENCES `" + database_ +
                                    "`.`parents` (`id`) ON DELETE CASCADE ON UPDATE SET NULL");
  const Constraint* code = FindConstraint(users, "users_parent_code");
  ASSERT_NE(code, nullptr);
  EXPECT_EQ(code->definition,
            "FOREIGN KEY (`parent_code`) REFERENCES `" + database_ + "`.`parents` (`code`)");
}

TEST_F(MariadbReaderTest, ReadsIndexesWithOrderPrefixesDirectionAndType) {
  const Index* pkey = schema_.FindIndex("PRIMARY");
  ASSERT_NE(pkey, nullptr);
  EXPECT_TRUE(pkey->primary);
  EXPECT_TRUE(pkey->unique);
  EXPECT_TRUE(pkey->valid);
  const Table& users = TableNamed("users");
  const std::string on = "`" + database_ + "`.`users`";
  EXPECT_EQ(users.indexes.front().definition, "ALTER TABLE " + on + " ADD PRIMARY KEY (`id`)");

  const Index* name_age = schema_.FindIndex("users_name_age");
  ASSERT_NE(name_age, nullptr);
  EXPECT_EQ(name_age->columns, (std::vector<std::string>{"name", "age"}));
  EXPECT_FALSE(name_age->unique);
  EXPECT_FALSE(name_age->primary);
  EXPECT_EQ(name_age->definition,
            "CREATE INDEX `users_name_age` ON " + on + " (`name`(10), `age` DESC)");
  const Index* full_text = schema_.FindIndex("users_ft");
  ASSERT_NE(full_text, nullptr);
  EXPECT_EQ(full_text->definition, "CREATE FULLTEXT INDEX `users_ft` ON " + on + " (`name`)");
  const Index* email = schema_.FindIndex("users_email_key");
  ASSERT_NE(email, nullptr);
  EXPECT_TRUE(email->unique);
  EXPECT_EQ(email->definition, "CREATE UNIQUE INDEX `users_email_key` ON " + on + " (`email`)");
  EXPECT_EQ(schema_.FindIndex("users_doc_hash")->definition,
            "CREATE UNIQUE INDEX `users_doc_hash` ON " + on + " (`doc`) USING HASH");
  // InnoDB adds an index for a foreign key that has none.
  EXPECT_NE(schema_.FindIndex("users_parent"), nullptr);
}

// What the reader writes is what MariaDB runs: each index and constraint,
// dropped and created again from its definition, reads back the same.
TEST_F(MariadbReaderTest, DefinitionsRecreateTheirObjects) {
  const Table& users = TableNamed("users");
  const std::string on = "`" + database_ + "`.`users`";
  const Index& name_age = *schema_.FindIndex("users_name_age");
  ASSERT_TRUE(conn_->Run("DROP INDEX `users_name_age` ON " + on).ok());
  ASSERT_TRUE(conn_->Run(name_age.definition).ok()) << name_age.definition;
  for (const char* name : {"users_score_check", "users_parent"}) {
    const Constraint& constraint = *FindConstraint(users, name);
    const char* drop = constraint.type == 'f' ? "FOREIGN KEY" : "CONSTRAINT";
    ASSERT_TRUE(conn_->Run("ALTER TABLE " + on + " DROP " + drop + " `" + name + "`").ok());
    std::string add =
        "ALTER TABLE " + on + " ADD CONSTRAINT `" + name + "` " + constraint.definition;
    Status status = conn_->Run(add);
    ASSERT_TRUE(status.ok()) << add << ": " << status.ToString();
  }
  Result<Schema> again = ReadMariadbSchema(*conn_, database_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(ToJson(*again), ToJson(schema_));
}

TEST_F(MariadbReaderTest, ReadsNamesThatNeedQuoting) {
  const Table& weird = TableNamed("we`ird name");
  EXPECT_EQ(weird.comment, "tëst");
  ASSERT_EQ(weird.columns.size(), 2u);
  EXPECT_EQ(weird.columns[0].name, "col umn");
  EXPECT_EQ(weird.columns[1].name, "ünï");
  EXPECT_EQ(weird.columns[1].default_expr, "7");
  EXPECT_EQ(weird.columns[1].comment, "ü");
  const Index* unique = schema_.FindIndex("uq ü");
  ASSERT_NE(unique, nullptr);
  EXPECT_EQ(unique->columns, (std::vector<std::string>{"col umn", "ünï"}));
  EXPECT_EQ(unique->definition,
            "CREATE UNIQUE INDEX `uq ü` ON `" + database_ + "`.`we``ird name` (`col umn`, `ünï`)");
  const Constraint* fk = FindConstraint(weird, "fk ü");
  ASSERT_NE(fk, nullptr);
  EXPECT_EQ(fk->definition,
            "FOREIGN KEY (`col umn`) REFERENCES `" + database_ + "`.`parents` (`id`)");
}

TEST_F(MariadbReaderTest, JsonRoundTripOfARealSchema) {
  Result<Schema> back = SchemaFromJson(ToJson(schema_));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToJson(*back), ToJson(schema_));
}

TEST_F(MariadbReaderTest, ReadsOnlyTheDatabaseAsked) {
  const std::string other_url = zs::testing::FreshMariadbDatabaseUrl();
  mysql::Connection other = MariadbOpenOrDie(other_url);
  ASSERT_TRUE(other.Run("CREATE TABLE users (other_id INT PRIMARY KEY, extra TEXT)").ok());
  ASSERT_TRUE(other.Run("CREATE INDEX users_extra ON users (extra(5))").ok());
  ASSERT_TRUE(other.Run("CREATE TABLE only_there (x INT CHECK (x > 0))").ok());

  Result<Schema> again = ReadMariadbSchema(*conn_, database_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(ToJson(*again), ToJson(schema_));

  Result<Schema> theirs = ReadMariadbSchema(*conn_, DatabaseOf(other_url));
  ASSERT_TRUE(theirs.ok()) << theirs.status().ToString();
  EXPECT_EQ(NamesOf(theirs->tables), (std::vector<std::string>{"only_there", "users"}));
  const Table& users = *theirs->FindTable("users");
  ASSERT_EQ(users.columns.size(), 2u);
  EXPECT_EQ(users.columns[0].name, "other_id");
  EXPECT_EQ(users.indexes.size(), 2u);
  EXPECT_TRUE(users.constraints.size() == 1 && users.constraints[0].type == 'p');
}

TEST_F(MariadbReaderTest, TheSessionOverloadReadsTheSame) {
  Result<const backend::Backend*> backend = backend::MariadbBackendForUrl(url_);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  Result<std::unique_ptr<backend::Session>> session = (*backend)->Connect(url_);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  Result<Schema> read = ReadSchema(**session, database_);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(ToJson(*read), ToJson(schema_));
}

TEST(MariadbReaderDatabaseTest, AnEmptyDatabaseHasNoTables) {
  const std::string url = zs::testing::FreshMariadbDatabaseUrl();
  mysql::Connection conn = MariadbOpenOrDie(url);
  Result<Schema> schema = ReadMariadbSchema(conn, DatabaseOf(url));
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  EXPECT_EQ(schema->name, DatabaseOf(url));
  EXPECT_TRUE(schema->tables.empty());
}

TEST(MariadbReaderDatabaseTest, AMissingDatabaseIsNotFoundNamingIt) {
  const std::string url = zs::testing::FreshMariadbDatabaseUrl();
  mysql::Connection conn = MariadbOpenOrDie(url);
  // Names are case-sensitive: the same name in capitals is another database.
  std::string upper = DatabaseOf(url);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& name : {std::string("no such db"), upper}) {
    Result<Schema> schema = ReadMariadbSchema(conn, name);
    ASSERT_FALSE(schema.ok()) << name;
    EXPECT_EQ(schema.status().code(), Code::kNotFound);
    EXPECT_NE(schema.status().message().find("`" + name + "`"), std::string::npos)
        << schema.status().message();
    EXPECT_NE(schema.status().message().find("CREATE DATABASE"), std::string::npos);
  }
}

TEST(MariadbReaderDatabaseTest, ReadsADatabaseWhoseNameNeedsQuoting) {
  const std::string url = zs::testing::FreshMariadbDatabaseUrl();
  mysql::Connection conn = MariadbOpenOrDie(url);
  const std::string name = "we`ird db \xc3\xbc " + DatabaseOf(url);
  const std::string quoted = mysql::QuoteIdentifier(name);
  ASSERT_TRUE(conn.Run("CREATE DATABASE " + quoted).ok());
  ASSERT_TRUE(conn.Run("CREATE TABLE " + quoted +
                       ".t (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) "
                       "REFERENCES " +
                       quoted + ".t (id))")
                  .ok());
  Result<Schema> schema = ReadMariadbSchema(conn, name);
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  ASSERT_EQ(NamesOf(schema->tables), (std::vector<std::string>{"t"}));
  const Table& t = schema->tables[0];
  EXPECT_EQ(t.indexes.front().definition, "ALTER TABLE " + quoted + ".`t` ADD PRIMARY KEY (`id`)");
  ASSERT_EQ(t.constraints.size(), 2u);
  EXPECT_EQ(t.constraints[0].type, 'p');
  EXPECT_EQ(t.constraints[1].definition, "FOREIGN KEY (`p`) REFERENCES " + quoted + ".`t` (`id`)");
  EXPECT_TRUE(conn.Run("DROP DATABASE " + quoted).ok());
}

TEST(MariadbNamesInTest, FindsQuotedAndBareNamesOutsideLiteralsAndComments) {
  std::vector<MariadbName> names = MariadbNamesIn(
      "SET NEW.`a``b` = 'x `no` y', @v = \"it\\\"s `no`\" -- `no`\n"
      "/* `no` */ + ünï /*! + `yes` */ # no\n");
  std::vector<std::string> texts;
  std::vector<bool> quoted;
  for (const MariadbName& name : names) {
    texts.push_back(name.text);
    quoted.push_back(name.quoted);
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"SET", "NEW", "a`b", "v", "ünï", "yes"}));
  EXPECT_EQ(quoted, (std::vector<bool>{false, false, true, false, false, true}));
  EXPECT_TRUE(MariadbSameColumnName("Email", "eMAIL"));
  EXPECT_FALSE(MariadbSameColumnName("email", "emails"));
}

}  // namespace
}  // namespace zs::schema
