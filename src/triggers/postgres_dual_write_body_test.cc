// The PostgreSQL dual-write function's body (postgres_dual_write.cc) against
// a real server, one branch at a time: the old version's writes run `up`
// (expressions of one direction share a block unless one reads what an
// earlier one assigned), the new version's run `down`, and a new-version
// session's write that shows the old shape falls through to `up`. Each write
// that touches no column the expressions read recomputes nothing wrong; each
// that does recomputes the other shape.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pg/connection.h"
#include "pg/quote.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"
#include "triggers/postgres_dual_write.h"
#include "triggers/postgres_dual_write_origin.h"
#include "triggers/postgres_dual_write_step_aside.h"
#include "triggers/trigger_spec.h"

namespace zs::triggers {
namespace {

using zs::testing::MustRun;
using zs::testing::Open;

constexpr char kVersion[] = "public_body";

TriggerSpec Spec(Direction direction, std::vector<std::pair<std::string, std::string>> variables,
                 const std::string& target, const std::string& expression) {
  return {.name = "body_" + target,
          .schema = "public",
          .table = "users",
          .direction = direction,
          .version_schema = kVersion,
          .variables = std::move(variables),
          .target_column = target,
          .target_unwritten_value = "NULL",
          .expression = expression};
}

// The split-name migration's three expressions, and `initials`, which reads
// first_name after `up` assigned it.
std::vector<TriggerSpec> Specs() {
  return {
      Spec(Direction::kUp, {{"name", "name"}}, "first_name", "(split_part(name, ' ', 1))"),
      Spec(Direction::kUp, {{"name", "name"}}, "last_name", "(split_part(name, ' ', 2))"),
      Spec(Direction::kDown, {{"first_name", "first_name"}, {"last_name", "last_name"}}, "name",
           "(first_name || ' ' || last_name)"),
      Spec(Direction::kUp, {{"first_name", "first_name"}}, "initials", "(left(first_name, 1))")};
}

size_t Occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Two `up` expressions that read only `name` share one block (one variable
// read from NEW); `initials` reads first_name, which the first block
// assigns, so it gets a block of its own; `down` one more.
TEST(DualWriteBody, ExpressionsOfOneDirectionShareABlockUnlessOneReadsAnAssignedColumn) {
  std::string sql = CreateTableTriggerSql(Specs());
  EXPECT_EQ(Occurrences(sql, "<<zs_row>>"), 3u) << sql;
  EXPECT_EQ(Occurrences(sql, "\"name\" \"public\".\"users\".\"name\"%TYPE := NEW.\"name\";"), 1u)
      << sql;
  for (const auto& spec : Specs())
    EXPECT_EQ(Occurrences(sql, AssignmentStatement(spec)), 1u) << sql;
}

// The ordinary sessions' UPDATE trigger skips the function for a row whose
// dual-written columns did not change, unless an expression may read more
// than its variables (a volatile or unknown function, a sub-query): then it
// runs for every UPDATE, as before.
TEST(DualWriteBody, TheUpdateSkipNeedsExpressionsThatReadOnlyTheirVariables) {
  std::string skip =
      "WHEN (OLD.\"_zs_synced\" IS NULL OR NOT pg_catalog.record_image_eq(ROW(OLD.\"name\", "
      "OLD.\"first_name\", OLD.\"last_name\", OLD.\"initials\", OLD.\"_zs_synced\"), "
      "ROW(NEW.\"name\", NEW.\"first_name\", NEW.\"last_name\", NEW.\"initials\", "
      "NEW.\"_zs_synced\")))";
  EXPECT_EQ(Occurrences(CreateTableTriggerSql(Specs()), skip), 1u)
      << CreateTableTriggerSql(Specs());
  for (const std::string expression :
       {"(split_part(name, ' ', 1) || now())", "(random()::text)", "(public.upper(name))",
        "(pg_trigger_depth()::text)", "((SELECT max(name) FROM users))", "(upper(name) || $1)",
        "(\"my_fn\"(name))", "('(' || upper(name) || nextval('s'))"}) {
    std::vector<TriggerSpec> specs = Specs();
    specs[1].expression = expression;
    EXPECT_EQ(Occurrences(CreateTableTriggerSql(specs), "record_image_eq"), 0u) << expression;
  }
  for (const std::string expression :
       {"(pg_catalog.split_part(zs_row.name, ' ', 2))", "(CAST(name AS varchar(20)))",
        "(CASE WHEN name IS NULL THEN 'now()' ELSE upper (name) END)", "('it''s ' || name)"}) {
    std::vector<TriggerSpec> specs = Specs();
    specs[1].expression = expression;
    EXPECT_EQ(Occurrences(CreateTableTriggerSql(specs), "record_image_eq"), 1u) << expression;
  }
}

class DualWriteBodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    conn_.emplace(Open(url_));
    MustRun(*conn_,
            fmt::format("CREATE SCHEMA IF NOT EXISTS zeroshift; CREATE SCHEMA {}; CREATE TABLE "
                        "users (id int PRIMARY KEY, name text NOT NULL, first_name text, "
                        "last_name text, initials text, other int)",
                        kVersion));
    MustRun(*conn_, CreateTableTriggerSql(Specs()));
  }

  // id's row as "name|first_name|last_name|initials|mark" (mark t or f).
  std::string Row(int id) {
    Result<pg::Rows> rows = conn_->Exec(
        fmt::format("SELECT concat_ws('|', name, first_name, last_name, initials, _zs_synced) FROM "
                    "public.users WHERE id = {}",
                    id));
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() && !rows->empty() ? rows->Get(0, 0) : "";
  }

  void AsNewVersion() { MustRun(*conn_, fmt::format("SET zeroshift.version = '{}'", kVersion)); }

  // The dual-write function's calls made by `statement`, counted in its
  // own transaction (pg_stat_get_xact_function_calls, track_functions).
  long long CallsOf(const std::string& statement) {
    MustRun(*conn_, "BEGIN; SET LOCAL track_functions = 'all'");
    std::string calls = fmt::format(
        "SELECT coalesce(pg_catalog.pg_stat_get_xact_function_calls('zeroshift.{}'::regproc), 0)",
        pg::QuoteIdent(TableTriggerFunctionName("public", "users")));
    Result<pg::Rows> before = conn_->Exec(calls);
    MustRun(*conn_, statement);
    Result<pg::Rows> after = conn_->Exec(calls);
    MustRun(*conn_, "COMMIT");
    EXPECT_TRUE(before.ok() && after.ok());
    return before.ok() && after.ok() ? after->GetInt(0, 0) - before->GetInt(0, 0) : -1;
  }

  std::string url_;
  std::optional<pg::Connection> conn_;
};

TEST_F(DualWriteBodyTest, OldVersionWritesRunUpAndItsChainSeesWhatUpAssigned) {
  MustRun(*conn_, "INSERT INTO users (id, name) VALUES (1, 'Ada Lovelace')");
  EXPECT_EQ(Row(1), "Ada Lovelace|Ada|Lovelace|A|t");
  // No column an expression reads: the new shape stays as it is, and right.
  MustRun(*conn_, "UPDATE users SET other = 1 WHERE id = 1");
  EXPECT_EQ(Row(1), "Ada Lovelace|Ada|Lovelace|A|t");
  MustRun(*conn_, "UPDATE users SET name = name WHERE id = 1");
  EXPECT_EQ(Row(1), "Ada Lovelace|Ada|Lovelace|A|t");
  // The source column: recomputed, and initials from the new first_name.
  MustRun(*conn_, "UPDATE users SET name = 'Grace Hopper' WHERE id = 1");
  EXPECT_EQ(Row(1), "Grace Hopper|Grace|Hopper|G|t");
  // A new shape's column written by an old-version client is `up`'s again.
  MustRun(*conn_, "UPDATE users SET first_name = 'Bogus' WHERE id = 1");
  EXPECT_EQ(Row(1), "Grace Hopper|Grace|Hopper|G|t");
}

TEST_F(DualWriteBodyTest, NewVersionWritesRunDownAndLeaveTheNewShapeAsWritten) {
  MustRun(*conn_, "INSERT INTO users (id, name) VALUES (1, 'Ada Lovelace')");
  AsNewVersion();
  MustRun(*conn_, "UPDATE users SET first_name = 'Alan', last_name = 'Turing' WHERE id = 1");
  EXPECT_EQ(Row(1), "Alan Turing|Alan|Turing|A|f");
  // No column `down` reads: the old shape stays as it is, and right.
  MustRun(*conn_, "UPDATE users SET other = 2 WHERE id = 1");
  EXPECT_EQ(Row(1), "Alan Turing|Alan|Turing|A|f");
  MustRun(*conn_,
          "INSERT INTO users (id, name, first_name, last_name) VALUES (2, 'ignored', "
          "'Emmy', 'Noether')");
  EXPECT_EQ(Row(2), "Emmy Noether|Emmy|Noether|f");
}

// A search_path that names the version schema in another spelling (unquoted
// in upper case, which PostgreSQL folds, or quoted) selects it: the version
// test reads current_schemas(), not the setting's text. Pinned for any
// cheaper pre-test on the text: it would have to fold ASCII case and know
// "$user" (next test).
TEST_F(DualWriteBodyTest, EverySpellingOfTheVersionInTheSearchPathSelectsIt) {
  MustRun(*conn_, "INSERT INTO users (id, name) VALUES (1, 'Ada Lovelace')");
  int n = 0;
  for (const std::string path : {"PUBLIC_BODY, public", "public, \"public_body\"", "Public_Body"}) {
    // set_config keeps the spelling (SET would fold an unquoted name itself).
    MustRun(*conn_, fmt::format("SELECT pg_catalog.set_config('search_path', {}, false)",
                                pg::QuoteLiteral(path)));
    ++n;
    MustRun(*conn_, fmt::format("UPDATE public.users SET first_name = 'Alan{}', last_name = "
                                "'Turing' WHERE id = 1",
                                n));
    EXPECT_EQ(Row(1), fmt::format("Alan{0} Turing|Alan{0}|Turing|A|f", n)) << path;
  }
}

// ... and so does "$user" when the role's name is the version schema's
// (the name is then nowhere in the setting's text).
TEST_F(DualWriteBodyTest, TheVersionThroughUserInTheSearchPathSelectsIt) {
  Result<pg::Rows> user = conn_->Exec("SELECT CURRENT_USER::text");
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  std::string role = user->Get(0, 0);
  MustRun(*conn_, DropTableTriggerSql("public", "users"));
  MustRun(*conn_, "CREATE SCHEMA IF NOT EXISTS " + pg::QuoteIdent(role));
  std::vector<TriggerSpec> specs = Specs();
  for (auto& spec : specs) spec.version_schema = role;
  MustRun(*conn_, CreateTableTriggerSql(specs));
  MustRun(*conn_, "INSERT INTO users (id, name) VALUES (1, 'Ada Lovelace')");
  MustRun(*conn_, "SET search_path = \"$user\"");
  MustRun(*conn_, "UPDATE public.users SET first_name = 'Alan', last_name = 'Turing' WHERE id = 1");
  EXPECT_EQ(Row(1), "Alan Turing|Alan|Turing|A|f") << role;
}

// A session with the new version's setting that writes the raw table in the
// old shape (it changes `name`, or inserts only `name`) is taken for an old
// version's writer: `up` runs, `down` does not overwrite `name`.
TEST_F(DualWriteBodyTest, NewVersionSessionsWritingTheOldShapeRunUp) {
  MustRun(*conn_, "INSERT INTO users (id, name) VALUES (1, 'Ada Lovelace')");
  AsNewVersion();
  MustRun(*conn_, "UPDATE users SET name = 'Kurt Goedel' WHERE id = 1");
  EXPECT_EQ(Row(1), "Kurt Goedel|Kurt|Goedel|K|t");
  MustRun(*conn_, "INSERT INTO users (id, name) VALUES (2, 'Emmy Noether')");
  EXPECT_EQ(Row(2), "Emmy Noether|Emmy|Noether|E|t");
}

// Why the trigger is not a column-list one (BEFORE UPDATE OF <source
// columns>): PostgreSQL fires those by the UPDATE's SET list, so a user's
// BEFORE trigger (it fires first, by name) that changes a source column the
// statement did not name would leave the new shape stale.
TEST_F(DualWriteBodyTest, AUserTriggerThatChangesASourceColumnIsDualWritten) {
  MustRun(*conn_, "INSERT INTO users (id, name) VALUES (1, 'Ada Lovelace')");
  MustRun(*conn_,
          "CREATE FUNCTION public.rename_on_other() RETURNS trigger LANGUAGE plpgsql AS $$ "
          "BEGIN IF NEW.other = 7 THEN NEW.name := 'Lin Seven'; END IF; RETURN NEW; END $$; "
          "CREATE TRIGGER a_rename BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION "
          "public.rename_on_other()");
  MustRun(*conn_, "UPDATE users SET other = 7 WHERE id = 1");
  EXPECT_EQ(Row(1), "Lin Seven|Lin|Seven|L|t");
}

// An UPDATE that changes none of the columns the expressions read or assign
// does not call the function; one that changes any of them does, and so
// does every INSERT.
TEST_F(DualWriteBodyTest, AnUpdateThatLeavesTheDualWrittenColumnsAloneSkipsTheFunction) {
  EXPECT_EQ(CallsOf("INSERT INTO users (id, name) VALUES (1, 'Ada Lovelace')"), 1);
  EXPECT_EQ(CallsOf("UPDATE users SET other = 1 WHERE id = 1"), 0);
  EXPECT_EQ(CallsOf("UPDATE users SET name = name, first_name = first_name WHERE id = 1"), 0);
  EXPECT_EQ(CallsOf("UPDATE users SET initials = 'X' WHERE id = 1"), 1);
  EXPECT_EQ(Row(1), "Ada Lovelace|Ada|Lovelace|A|t");
  EXPECT_EQ(CallsOf("UPDATE users SET last_name = NULL WHERE id = 1"), 1);
  EXPECT_EQ(Row(1), "Ada Lovelace|Ada|Lovelace|A|t");
}

// A row no write through the triggers has marked yet (the backfill's to
// fill) runs the function on any UPDATE: its new columns may still be
// empty, and a constraint on them would refuse the client's write.
TEST_F(DualWriteBodyTest, AnUnmarkedRowIsComputedByAnyUpdate) {
  std::string insert_trigger = pg::QuoteIdent(OriginInsertTriggerName("public", "users"));
  MustRun(*conn_, fmt::format("ALTER TABLE users DISABLE TRIGGER {0}; INSERT INTO users (id, "
                              "name) VALUES (1, 'Ada Lovelace'); ALTER TABLE users ENABLE "
                              "TRIGGER {0}",
                              insert_trigger));
  EXPECT_EQ(Row(1), "Ada Lovelace");
  EXPECT_EQ(CallsOf("UPDATE users SET other = 1 WHERE id = 1"), 1);
  EXPECT_EQ(Row(1), "Ada Lovelace|Ada|Lovelace|A|t");
  EXPECT_EQ(CallsOf("UPDATE users SET other = 2 WHERE id = 1"), 0);
}

// `down` then `up` need not give back what the new version wrote (a first
// name with a space): an old version's UPDATE of an unrelated column keeps
// the new version's write instead of rebuilding it from `name`, and the
// other way round.
TEST_F(DualWriteBodyTest, AnUnrelatedUpdateKeepsWhatTheOtherVersionWrote) {
  MustRun(*conn_, "INSERT INTO users (id, name) VALUES (1, 'Ada Lovelace')");
  AsNewVersion();
  MustRun(*conn_, "UPDATE users SET first_name = 'Mary Ann', last_name = 'Evans' WHERE id = 1");
  EXPECT_EQ(Row(1), "Mary Ann Evans|Mary Ann|Evans|A|f");
  MustRun(*conn_, "RESET zeroshift.version");
  MustRun(*conn_, "UPDATE users SET other = 1 WHERE id = 1");
  EXPECT_EQ(Row(1), "Mary Ann Evans|Mary Ann|Evans|A|f");
  MustRun(*conn_, "UPDATE users SET name = 'Ada King Lovelace' WHERE id = 1");
  EXPECT_EQ(Row(1), "Ada King Lovelace|Ada|King|A|t");
  AsNewVersion();
  MustRun(*conn_, "UPDATE users SET other = 2 WHERE id = 1");
  EXPECT_EQ(Row(1), "Ada King Lovelace|Ada|King|A|t");
}

// The skip compares binary images, not equality: under a case-insensitive
// collation 'ada lovelace' = 'Ada Lovelace', yet the new shape must follow.
// (split_part refuses a nondeterministic collation: `up` splits in "C".)
TEST_F(DualWriteBodyTest, AChangeEqualUnderTheCollationIsStillDualWritten) {
  MustRun(*conn_, DropTableTriggerSql("public", "users"));
  MustRun(*conn_,
          "CREATE COLLATION case_blind (provider = icu, locale = 'und-u-ks-level2', "
          "deterministic = false); ALTER TABLE users ALTER COLUMN name TYPE text COLLATE "
          "case_blind");
  std::vector<TriggerSpec> specs = Specs();
  specs[0].expression = "(split_part(name COLLATE \"C\", ' ', 1))";
  specs[1].expression = "(split_part(name COLLATE \"C\", ' ', 2))";
  MustRun(*conn_, CreateTableTriggerSql(specs));
  MustRun(*conn_, "INSERT INTO users (id, name) VALUES (1, 'ada lovelace')");
  EXPECT_EQ(Row(1), "ada lovelace|ada|lovelace|a|t");
  MustRun(*conn_, "UPDATE users SET name = 'Ada Lovelace' WHERE id = 1");
  EXPECT_EQ(Row(1), "Ada Lovelace|Ada|Lovelace|A|t");
}

}  // namespace
}  // namespace zs::triggers
