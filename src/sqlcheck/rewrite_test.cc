#include "sqlcheck/rewrite.h"

#include <gtest/gtest.h>

namespace zs::sqlcheck {
namespace {

const ColumnRenames kTitle = {{"title", "_zs_new_title"}};

TEST(RenameColumnsTest, RenamesOnlyTheTablesReferences) {
  auto out = RenameColumns("length(title) > 3 AND title <> 'title' AND posts.title IS NOT NULL",
                           "posts", kTitle);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out,
            "length(\"_zs_new_title\") > 3 AND \"_zs_new_title\" <> 'title' AND "
            "posts.\"_zs_new_title\" IS NOT NULL");
}

TEST(RenameColumnsTest, LeavesOtherRelationsCommentsAndQuotedLookalikes) {
  auto out = RenameColumns("EXISTS (SELECT 1 FROM other o WHERE o.title = \"title\") -- title\n",
                           "posts", kTitle);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "EXISTS (SELECT 1 FROM other o WHERE o.title = \"_zs_new_title\") -- title\n");
}

TEST(RenameColumnsTest, QuotedMixedCaseNamesMatchExactly) {
  auto out = RenameColumns("\"Title\" || Title", "t", {{"Title", "x"}, {"title", "y"}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "\"x\" || \"y\"");
}

TEST(RenameColumnsTest, RejectsWhatDoesNotParse) {
  EXPECT_FALSE(RenameColumns("title +", "t", kTitle).ok());
}

TEST(RenameColumnsInCheckTest, RewritesCatalogDefinitionAndDropsNotValid) {
  auto out = RenameColumnsInCheck("CHECK ((length((title)::text) > 3)) NOT VALID", kTitle);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "CHECK ((length((\"_zs_new_title\")::text) > 3))");
  auto no_inherit = RenameColumnsInCheck("CHECK ((title <> ''::text)) NO INHERIT", kTitle);
  ASSERT_TRUE(no_inherit.ok());
  EXPECT_EQ(*no_inherit, "CHECK ((\"_zs_new_title\" <> ''::text)) NO INHERIT");
}

TEST(RenameColumnsInCheckTest, RejectsOtherConstraintKinds) {
  EXPECT_FALSE(RenameColumnsInCheck("UNIQUE (title)", kTitle).ok());
  EXPECT_FALSE(RenameColumnsInCheck("CHECK (a > 0); DROP TABLE t", kTitle).ok());
}

TEST(ParseForeignKeyTest, ReadsColumnsTargetAndReferencesClause) {
  auto fk = ParseForeignKey(
      "FOREIGN KEY (sellers_name, sellers_zip) REFERENCES public.sellers(name, zip) ON DELETE "
      "CASCADE DEFERRABLE NOT VALID");
  ASSERT_TRUE(fk.ok()) << fk.status().ToString();
  EXPECT_EQ(fk->columns, (std::vector<std::string>{"sellers_name", "sellers_zip"}));
  EXPECT_EQ(fk->referenced_schema, "public");
  EXPECT_EQ(fk->referenced_table, "sellers");
  EXPECT_EQ(fk->referenced_columns, (std::vector<std::string>{"name", "zip"}));
  EXPECT_EQ(fk->references_clause,
            "REFERENCES public.sellers(name, zip) ON DELETE CASCADE DEFERRABLE");
  EXPECT_TRUE(fk->set_columns.empty());
}

TEST(ParseForeignKeyTest, ReadsSetColumnsAndUnqualifiedTable) {
  auto fk = ParseForeignKey("FOREIGN KEY (a, b) REFERENCES \"T\"(x, y) ON DELETE SET NULL (a)");
  ASSERT_TRUE(fk.ok()) << fk.status().ToString();
  EXPECT_EQ(fk->referenced_schema, "");
  EXPECT_EQ(fk->referenced_table, "T");
  EXPECT_EQ(fk->set_columns, (std::vector<std::string>{"a"}));
}

TEST(ConstraintDeferralTest, ReadsTiming) {
  EXPECT_EQ(*ConstraintDeferral("UNIQUE (a)"), "");
  EXPECT_EQ(*ConstraintDeferral("UNIQUE (a) DEFERRABLE"), " DEFERRABLE");
  EXPECT_EQ(*ConstraintDeferral("PRIMARY KEY (a, b) DEFERRABLE INITIALLY DEFERRED"),
            " DEFERRABLE INITIALLY DEFERRED");
}

TEST(IndexColumnsTest, ListsKeysIncludeExpressionsAndPredicate) {
  auto columns = IndexColumns(
      "CREATE UNIQUE INDEX i ON public.t USING btree (a, lower((b)::text) DESC, \"C\" "
      "text_pattern_ops) INCLUDE (d) WHERE (e > 0)");
  ASSERT_TRUE(columns.ok()) << columns.status().ToString();
  EXPECT_EQ(*columns, (std::vector<std::string>{"a", "C", "d", "b", "e"}));
}

TEST(IndexPlainColumnsTest, KeepsOrderAndRepeats) {
  auto columns =
      IndexPlainColumns("CREATE INDEX i ON public.t USING btree (a, lower(b), a DESC) INCLUDE (c)");
  ASSERT_TRUE(columns.ok()) << columns.status().ToString();
  EXPECT_EQ(*columns, (std::vector<std::string>{"a", "a", "c"}));
}

TEST(DuplicateIndexSqlTest, RenamesEveryUseOfTheColumns) {
  auto sql = DuplicateIndexSql(
      "CREATE UNIQUE INDEX fruits_name_key ON public.fruits USING btree (name, lower(name) DESC "
      "NULLS LAST) INCLUDE (name, price) WITH (fillfactor='70') WHERE (name <> 'name'::text)",
      "_zs_dup_fruits_name_key", {{"name", "_zs_new_name"}});
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_EQ(*sql,
            "CREATE UNIQUE INDEX CONCURRENTLY \"_zs_dup_fruits_name_key\" ON public.fruits USING "
            "btree (\"_zs_new_name\", lower(\"_zs_new_name\") DESC NULLS LAST) INCLUDE "
            "(\"_zs_new_name\", price) WITH (fillfactor='70') WHERE (\"_zs_new_name\" <> "
            "'name'::text)");
}

TEST(DuplicateIndexSqlTest, KeepsMethodOpclassAndOtherColumns) {
  auto sql = DuplicateIndexSql(
      "CREATE INDEX idx ON public.t USING hash (\"Weird \"\"name\") WHERE (other IS NULL)", "d",
      {{"Weird \"name", "n"}});
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_EQ(*sql,
            "CREATE INDEX CONCURRENTLY \"d\" ON public.t USING hash (\"n\") WHERE (other IS "
            "NULL)");
}

TEST(DuplicateIndexSqlTest, RejectsWhatIsNotAnIndex) {
  EXPECT_FALSE(DuplicateIndexSql("CREATE TABLE x (a int)", "d", {}).ok());
  EXPECT_FALSE(
      DuplicateIndexSql("CREATE INDEX i ON t USING btree (a); DROP TABLE t", "d", {}).ok());
}

TEST(SequenceOfDefaultTest, FindsSerialSequences) {
  auto plain = SequenceOfDefault("nextval('tasks_id_seq'::regclass)");
  ASSERT_TRUE(plain.ok() && plain->has_value());
  EXPECT_EQ((*plain)->schema, "");
  EXPECT_EQ((*plain)->name, "tasks_id_seq");
  auto qualified = SequenceOfDefault("nextval('app.\"Odd seq\"'::regclass)");
  ASSERT_TRUE(qualified.ok() && qualified->has_value());
  EXPECT_EQ((*qualified)->schema, "app");
  EXPECT_EQ((*qualified)->name, "Odd seq");
  auto other = SequenceOfDefault("'paper'::character varying");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
}

TEST(SequenceOfDefaultTest, RejectsSmuggledStatements) {
  EXPECT_FALSE(
      SequenceOfDefault("nextval('a OWNED BY NONE; DROP TABLE t; ALTER SEQUENCE b')").ok());
}

}  // namespace
}  // namespace zs::sqlcheck
