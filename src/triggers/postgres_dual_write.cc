#include "triggers/postgres_dual_write.h"
#include "triggers/postgres_dual_write_origin.h"
#include "triggers/postgres_dual_write_step_aside.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>

#include "ops/names.h"
#include "pg/quote.h"
#include "triggers/dual_write.h"

namespace zs::triggers {

namespace {

constexpr size_t kMaxIdentifierBytes = 63;

// A dollar-quote tag that does not occur in `body`.
std::string DollarTag(const std::string& body) {
  std::string tag = "$zs$";
  for (int i = 0; body.find(tag) != std::string::npos; ++i) tag = fmt::format("$zs{}$", i);
  return tag;
}

}  // namespace

std::string FiresCondition() {
  return fmt::format(
      "pg_catalog.current_setting('session_replication_role') <> 'replica' OR "
      "pg_catalog.current_setting('{}', true) IS DISTINCT FROM "
      "pg_catalog.pg_current_xact_id()::text",
      kBackfillSetting);
}

std::string StepAsideSql() {
  return fmt::format(
      "SELECT pg_catalog.set_config('{}', pg_catalog.pg_current_xact_id()::text, true)",
      kBackfillSetting);
}

std::string IsVersionCondition(const std::string& version_schema) {
  std::string literal = pg::QuoteLiteral(version_schema);
  return fmt::format(
      "(coalesce(pg_catalog.current_setting('zeroshift.version', true), '') = {0} OR {0} = ANY "
      "(pg_catalog.current_schemas(false)))",
      literal);
}

namespace {

// "<prefix><schema>_<table>_dual_write<suffix>", or "<prefix><table>_<hash>"
// past 63 bytes (the suffix, if any, hashed in).
std::string PerTableName(const std::string& prefix, const std::string& schema,
                         const std::string& table, const std::string& suffix = "") {
  std::string name = fmt::format("{}{}_{}_dual_write{}", prefix, schema, table, suffix);
  if (name.size() <= kMaxIdentifierBytes) return name;
  std::string hash = ShortNameHash(schema + "." + table + suffix);
  return fmt::format(
      "{}{}_{}", prefix,
      ops::ClipIdentifier(table, kMaxIdentifierBytes - prefix.size() - 1 - hash.size()), hash);
}

}  // namespace

std::string TableTriggerName(const std::string& schema, const std::string& table) {
  return PerTableName(kTriggerPrefix, schema, table);
}

std::string OriginTriggerName(const std::string& schema, const std::string& table) {
  return PerTableName(kTriggerPrefix, schema, table, "_o");
}

std::string OriginInsertTriggerName(const std::string& schema, const std::string& table) {
  return PerTableName(kTriggerPrefix, schema, table, "_i");
}

std::string TableTriggerFunctionName(const std::string& schema, const std::string& table) {
  return PerTableName("_zs_", schema, table);
}

std::string AssignmentStatement(const TriggerSpec& spec) {
  return fmt::format("NEW.{} := {};", pg::QuoteIdent(spec.target_column), spec.expression);
}

namespace {

// Whether `spec` can join the block of `group` (specs of one direction, in
// operation order): a block reads its variables from NEW once, when it
// starts, so a spec that reads a column an earlier spec of the group assigns
// needs a block of its own (it must see the assigned value, exactly as the
// next trigger in a chain of triggers would), and a name bound to another
// column than the group's would be declared twice.
bool JoinsBlock(const std::vector<const TriggerSpec*>& group, const TriggerSpec& spec) {
  for (const TriggerSpec* earlier : group) {
    for (const auto& [variable, column] : spec.variables) {
      if (column == earlier->target_column) return false;
      for (const auto& [other, other_column] : earlier->variables) {
        if (variable == other && column != other_column) return false;
      }
    }
  }
  return true;
}

// The specs of one direction as blocks, each reading its variables from NEW
// when it runs. Every variable is one more expression per row (whose
// evaluation state PL/pgSQL builds again in each transaction), so a
// variable several expressions share is read once per block: the split-name
// migration's two `up` expressions run in one block of one variable instead
// of two blocks of one each.
std::string DirectionBlocks(const std::vector<TriggerSpec>& specs, Direction direction,
                            const std::string& table, const std::string& indent) {
  std::vector<std::vector<const TriggerSpec*>> groups;
  for (const auto& spec : specs) {
    if (spec.direction != direction) continue;
    if (groups.empty() || !JoinsBlock(groups.back(), spec)) groups.emplace_back();
    groups.back().push_back(&spec);
  }
  std::string out;
  for (const auto& group : groups) {
    std::vector<std::string> declared;
    std::string declarations, assignments;
    for (const TriggerSpec* spec : group) {
      for (const auto& [variable, column] : spec->variables) {
        if (std::find(declared.begin(), declared.end(), variable) != declared.end()) continue;
        declared.push_back(variable);
        declarations +=
            fmt::format("{}  {} {}.{}%TYPE := NEW.{};\n", indent, pg::QuoteIdent(variable), table,
                        pg::QuoteIdent(column), pg::QuoteIdent(column));
      }
      assignments += fmt::format("{}  {}\n", indent, AssignmentStatement(*spec));
    }
    // <<zs_row>> qualifies the variables: an expression resolved at validate
    // time (engine/resolve.h) reads its columns as zs_row.<column>.
    out += fmt::format("{0}<<zs_row>>\n{0}DECLARE\n{1}{0}BEGIN\n{2}{0}END;\n", indent, declarations,
                       assignments);
  }
  return out;
}

// A writer whose search_path names the version schema but lacks USAGE on it
// gets the raw table (PostgreSQL skips the schema silently), and its write
// would be taken for the old version's: it is refused instead. The strpos
// test keeps the check off the path of the old version's writers, and it is
// an IF of its own: PL/pgSQL evaluates an expression without a sub-SELECT
// directly, but one with a sub-SELECT through the executor (plan start and
// end) even when AND never reaches it. In one IF with the search_path
// sub-SELECT it cost every row about as much as the rest of the trigger
// (a 300 k-row UPDATE through the trigger: 12.5 s, 6.9 s with it nested).
// It is the ELSIF of the version test (CreateTableTriggerSql): only writes
// not taken for the new version's reach it.
std::string UnusableVersionCheck(const std::string& version_schema) {
  std::string literal = pg::QuoteLiteral(version_schema);
  return fmt::format(
      "  ELSIF pg_catalog.strpos(pg_catalog.current_setting('search_path'), {0}) > 0 THEN\n"
      "   IF pg_catalog.to_regnamespace({1}) IS NOT NULL\n"
      "     AND {0} = ANY (SELECT pg_catalog.btrim(pg_catalog.btrim(p), ' \"') FROM "
      "pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.current_setting('search_path'), "
      "',')) AS p) THEN\n"
      "    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = pg_catalog.format("
      "'search_path names version schema %s, but role %s cannot use it (no USAGE on the "
      "schema), so this write reached table %s directly and would be taken for an old "
      "version''s', {0}, CURRENT_USER, TG_TABLE_NAME), HINT = pg_catalog.format('GRANT USAGE ON "
      "SCHEMA %s and the table''s privileges on its views to %s, or leave the version out of "
      "search_path', {0}, CURRENT_USER);\n"
      "   END IF;\n",
      literal, pg::QuoteLiteral(pg::QuoteIdent(version_schema)));
}

std::string JoinConditions(const std::vector<std::string>& columns, const char* format,
                           const char* separator) {
  std::string out;
  for (const auto& column : columns) {
    if (!out.empty()) out += separator;
    out += fmt::format(fmt::runtime(format), pg::QuoteIdent(column));
  }
  return out;
}

// The selector (search_path or zeroshift.version) says which version the
// client uses, not which relation it wrote: a client with the setting and
// search_path `public` writes the raw table in the old shape. A write that
// changed a column only the old shape has (UPDATE) cannot have come through
// the new version's views, so it is taken as an old-version write: `down`
// must not overwrite what the client wrote with the new columns' stale
// values. An INSERT is old-shape too when it leaves every new-only column as
// an INSERT that does not name it would (NULL, or its constant default) and
// sets an old-only column to something else: through the new version's
// views that column cannot be written, and `down` over the new columns'
// defaults would replace the client's value. Where the trigger cannot
// predict what an unnamed column gets (a volatile default), no evidence.
// The statements that set kOldShapeVariable (true: the old shape); empty
// when there is nothing `down` could overwrite (no `down`, no variable).
constexpr const char* kOldShapeVariable = "written_in_old_shape";

std::string OldShapeEvidence(const std::vector<TriggerSpec>& specs) {
  std::vector<std::string> old_only = TargetColumns(specs, Direction::kDown);
  if (old_only.empty()) return "";
  std::string changed = JoinConditions(old_only, "NEW.{0} IS DISTINCT FROM OLD.{0}", " OR ");
  std::vector<std::string> seen;
  std::string old_written, new_unwritten;
  bool predictable = true;
  for (const auto& spec : specs) {
    if (std::find(seen.begin(), seen.end(), spec.target_column) != seen.end()) continue;
    seen.push_back(spec.target_column);
    bool up = spec.direction == Direction::kUp;
    if (!spec.target_unwritten_value) {
      if (up) predictable = false;
      continue;
    }
    std::string& out = up ? new_unwritten : old_written;
    out += fmt::format("{}NEW.{} IS {}DISTINCT FROM {}", out.empty() ? "" : (up ? " AND " : " OR "),
                       pg::QuoteIdent(spec.target_column), up ? "NOT " : "",
                       *spec.target_unwritten_value);
  }
  std::string insert_evidence = "false";
  if (predictable && !old_written.empty()) {
    insert_evidence =
        fmt::format("({}) AND ({})", new_unwritten.empty() ? "true" : new_unwritten, old_written);
  }
  return fmt::format(
      "    IF TG_OP = 'UPDATE' THEN\n"
      "      {0} := {1};\n"
      "    ELSE\n"
      "      {0} := {2};\n"
      "    END IF;\n",
      kOldShapeVariable, changed, insert_evidence);
}

// The new version's branch: `down`, unless the write shows the old shape
// (then it falls through to `up`, as an old-version write).
std::string NewVersionBranch(const std::vector<TriggerSpec>& specs, const std::string& table,
                             const std::string& marker) {
  std::string evidence = OldShapeEvidence(specs);
  if (evidence.empty()) {
    return fmt::format("{}    NEW.{} := false;\n    RETURN NEW;\n",
                       DirectionBlocks(specs, Direction::kDown, table, "    "), marker);
  }
  return fmt::format(
      "{}    IF NOT {} THEN\n{}      NEW.{} := false;\n      RETURN NEW;\n    END IF;\n", evidence,
      kOldShapeVariable, DirectionBlocks(specs, Direction::kDown, table, "      "), marker);
}

// The names an expression may call for the UPDATE trigger's skip
// (UpdateSkipCondition): PostgreSQL's own functions whose value depends on
// their arguments alone (immutable; concat and concat_ws are stable only
// through the output functions of their arguments' types), and the keywords
// that take parentheses. Anything else (a user's function, now(), random(),
// nextval(), pg_trigger_depth()) may give another value on the next call.
// Type names with a modifier (varchar(20)) are there for casts.
// Space-separated, with a space at each end.
constexpr std::string_view kSkipPureNames =
    " abs all and any array between btrim case cast ceil ceiling char char_length character "
    "character_length coalesce concat concat_ws decimal distinct else floor from greatest "
    "ilike in initcap is least left length like lower lpad ltrim md5 mod not nullif numeric "
    "octet_length or overlay position power regexp_replace repeat replace reverse right "
    "round row rpad rtrim sign some split_part sqrt string_to_array strpos substr substring "
    "then translate trim trunc upper varchar varying when ";

bool SkipPureName(const std::string& name) {
  return !name.empty() && name.find(' ') == std::string::npos &&
         kSkipPureNames.find(" " + name + " ") != std::string_view::npos;
}

// Whether `expression` (validated SQL) computes its value from its variables
// alone, so that a row whose variables did not change would get the same
// value again: it calls only kSkipPureNames (unqualified or in pg_catalog),
// and has no sub-query, parameter, dollar quote, backslash escape or
// comment. Conservative: a false "no" only costs the skip. Operators and
// casts are taken for PostgreSQL's own.
bool SkipReadsOnlyVariables(const std::string& expression) {
  const std::string& e = expression;
  auto ident_char = [](unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; };
  std::string qualifier;  // the name before a '.', if the current name follows one
  for (size_t i = 0; i < e.size();) {
    unsigned char c = e[i];
    if (c == '$' || c == '\\' || c == ';' || e.compare(i, 2, "--") == 0 ||
        e.compare(i, 2, "/*") == 0) {
      return false;
    }
    if (c == '\'') {  // a string literal ('' inside it is a quote)
      for (++i; i < e.size(); ++i) {
        if (e[i] != '\'') continue;
        if (i + 1 < e.size() && e[i + 1] == '\'') {
          ++i;
          continue;
        }
        break;
      }
      ++i;
      qualifier.clear();
      continue;
    }
    std::string name;
    bool quoted = false;
    if (c == '"') {
      quoted = true;
      for (++i; i < e.size(); ++i) {
        if (e[i] == '"' && i + 1 < e.size() && e[i + 1] == '"') {
          name += '"';
          ++i;
        } else if (e[i] == '"') {
          break;
        } else {
          name += e[i];
        }
      }
      ++i;
    } else if (std::isdigit(c)) {
      while (i < e.size() && (ident_char(e[i]) || e[i] == '.')) ++i;
      qualifier.clear();
      continue;
    } else if (ident_char(c)) {
      for (; i < e.size() && ident_char(e[i]); ++i) {
        name += static_cast<char>(std::tolower(static_cast<unsigned char>(e[i])));
      }
    } else {
      ++i;
      if (c != '.') qualifier.clear();
      continue;
    }
    if (!quoted && name == "select") return false;
    size_t next = e.find_first_not_of(" \t\r\n", i);
    bool call = next != std::string::npos && e[next] == '(';
    bool dotted = next != std::string::npos && e[next] == '.';
    if (call && ((!qualifier.empty() && qualifier != "pg_catalog") || !SkipPureName(name))) {
      return false;
    }
    qualifier = dotted ? name : "";
    if (dotted) i = next + 1;
  }
  return true;
}

// The WHEN of the ordinary sessions' UPDATE trigger: true when the UPDATE
// changed a column an expression reads or assigns, compared as binary images
// (record_image_eq) after the user's BEFORE triggers ran (a WHEN sees
// the row they leave). Equality would not do: a nondeterministic collation
// takes 'ada' and 'Ada' for equal, and json has none. When none changed,
// the function would compute what the row already holds from what it
// already holds, so skipping it loses nothing: it keeps what the last write
// through either version left (running `up` after a new version's write, or
// `down` after an old one's, would overwrite it with a round trip through
// both expressions, which need not be exact). A row not yet marked always
// runs it: its new columns may still be empty, and a constraint the
// migration put on them (NOT NULL as a NOT VALID check) would refuse the
// client's write. The mark is compared too: clearing it makes the trigger
// compute the row again (a no-op write like `SET name = name` does not: a
// row written behind the triggers is repaired by a write that changes a
// column they read or assign). Empty (the function for every UPDATE) when
// an expression may read anything else than its variables
// (SkipReadsOnlyVariables).
std::string UpdateSkipCondition(const std::vector<TriggerSpec>& specs, const std::string& marker) {
  std::vector<std::string> columns;
  auto add = [&](const std::string& column) {
    if (std::find(columns.begin(), columns.end(), column) == columns.end())
      columns.push_back(column);
  };
  for (const auto& spec : specs) {
    if (!SkipReadsOnlyVariables(spec.expression)) return "";
    for (const auto& variable : spec.variables) add(variable.second);
    add(spec.target_column);
  }
  add(MarkerColumnName());
  // The function, not the operator (*=): between two ROW constructors
  // PostgreSQL applies an operator column by column.
  return fmt::format("OLD.{} IS NULL OR NOT pg_catalog.record_image_eq(ROW({}), ROW({}))", marker,
                     JoinConditions(columns, "OLD.{0}", ", "),
                     JoinConditions(columns, "NEW.{0}", ", "));
}

}  // namespace

std::string CreateTableTriggerSql(const std::vector<TriggerSpec>& specs) {
  if (specs.empty()) return "";
  const TriggerSpec& first = specs.front();
  std::string table = pg::QualifiedName(first.schema, first.table);
  std::string name = TableTriggerName(first.schema, first.table);
  std::string function = TableTriggerFunctionName(first.schema, first.table);
  std::string marker = pg::QuoteIdent(MarkerColumnName());
  // Every write through the trigger leaves the row in step and marks it, so
  // the backfill (which only touches unmarked rows) never runs `up` over a
  // value a client wrote through the new version. The mark also says which
  // direction ran (true: `up`, false: `down`), so that verify checks each row
  // only against the expressions that ran for it.
  //
  // One IF chain, one pass: PL/pgSQL builds each expression's evaluation
  // state again in every transaction, so a single-row write pays for every
  // expression the body reaches. An old-version write reaches the version
  // test, the search_path pre-test, its blocks and the mark: 6 expressions
  // for the split-name migration, where one IF per block and direction took
  // 11. Backend CPU, A/B on one server (bench/README.md section 4): single-row
  // UPDATE 17.0-18.0 -> 16.0-17.0 us, INSERT 9.5-10.0 -> 9.0-9.5 us, a bulk
  // UPDATE of 300 k rows 1.50-1.53 -> 1.37-1.43 s (an empty PL/pgSQL body:
  // 13.5 us, 6.0-7.0 us, 1.05-1.06 s; no trigger: 11.5-12.0, 5.5-6.0, 0.78-0.80).
  std::string evidence = OldShapeEvidence(specs);
  std::string body = fmt::format(
      "\n{}BEGIN\n  IF {} THEN\n{}{}  END IF;\n{}  NEW.{} := true;\n  RETURN NEW;\nEND\n",
      evidence.empty() ? "" : fmt::format("DECLARE\n  {} boolean;\n", kOldShapeVariable),
      IsVersionCondition(first.version_schema), NewVersionBranch(specs, table, marker),
      UnusableVersionCheck(first.version_schema),
      DirectionBlocks(specs, Direction::kUp, table, "  "), marker);
  std::string tag = DollarTag(body);
  // The marker is added without a default: catalog only, NULL = not yet in step.
  // Three triggers run the one function, each in its own replication roles
  // and events, so exactly one fires for any write. The ordinary sessions'
  // (origin and local roles: every client) INSERT trigger has no WHEN: a
  // trigger's WHEN is parsed and compiled again by every statement (its
  // stored node tree), which measured 7 of the 12 us the trigger added to a
  // single-row UPDATE when it was the 1.6 kB step-aside condition. Their
  // UPDATE trigger has the short UpdateSkipCondition, which an INSERT trigger
  // cannot have (it reads OLD): an UPDATE that leaves the dual-written
  // columns as they were (a bulk UPDATE of an unrelated column) pays the
  // comparison instead of a PL/pgSQL call per row (bench/README.md section 4).
  // ENABLE REPLICA: the third fires in replica mode (the backfill's session
  // uses it so that user triggers do not; logical replication's apply workers
  // run in it); only its WHEN (FiresCondition) lets a batch skip it.
  std::string skip = UpdateSkipCondition(specs, marker);
  return fmt::format(
      "ALTER TABLE {4} ADD COLUMN {5} boolean;\n"
      "CREATE OR REPLACE FUNCTION {0}() RETURNS trigger LANGUAGE plpgsql AS {1}{2}{1};\n"
      "CREATE TRIGGER {3} BEFORE INSERT OR UPDATE ON {4} FOR EACH ROW WHEN ({6}) EXECUTE "
      "FUNCTION {0}();\n"
      "ALTER TABLE {4} ENABLE REPLICA TRIGGER {3};\n"
      "CREATE TRIGGER {8} BEFORE INSERT ON {4} FOR EACH ROW EXECUTE FUNCTION {0}();\n"
      "CREATE TRIGGER {7} BEFORE UPDATE ON {4} FOR EACH ROW {9}EXECUTE FUNCTION {0}();",
      pg::QualifiedName(kStateSchema, function), tag, body, pg::QuoteIdent(name), table, marker,
      FiresCondition(), pg::QuoteIdent(OriginTriggerName(first.schema, first.table)),
      pg::QuoteIdent(OriginInsertTriggerName(first.schema, first.table)),
      skip.empty() ? "" : fmt::format("WHEN ({}) ", skip));
}

std::string DropTableTriggerSql(const std::string& schema, const std::string& table) {
  std::string name = TableTriggerName(schema, table);
  std::string qualified = pg::QualifiedName(schema, table);
  return fmt::format(
      "DROP TRIGGER IF EXISTS {} ON {};\nDROP TRIGGER IF EXISTS {} ON {};\n"
      "DROP TRIGGER IF EXISTS {} ON {};\n"
      "DROP FUNCTION IF EXISTS {}();\nALTER TABLE IF EXISTS {} DROP COLUMN IF EXISTS {};",
      pg::QuoteIdent(OriginTriggerName(schema, table)), qualified,
      pg::QuoteIdent(OriginInsertTriggerName(schema, table)), qualified, pg::QuoteIdent(name),
      qualified, pg::QualifiedName(kStateSchema, TableTriggerFunctionName(schema, table)),
      qualified, pg::QuoteIdent(MarkerColumnName()));
}

namespace {

// The free functions above, behind the interface: the planner's action for
// the trigger (id, lock, table), byte for byte what the golden plan
// (engine/testdata/split_name.plan) holds.
class PostgresDualWriteSql final : public DualWriteSql {
 public:
  std::vector<std::string> TriggerNames(const std::string& schema,
                                        const std::string& table) const override {
    return {TableTriggerName(schema, table), OriginTriggerName(schema, table),
            OriginInsertTriggerName(schema, table)};
  }
  std::vector<ops::Action> InstallActions(
      const std::vector<TriggerSpec>& specs,
      const UserTriggers& /*by name: CheckTriggerOrder*/) const override {
    if (specs.empty()) return {};
    const TriggerSpec& first = specs.front();
    return {{.id = "trigger:" + TableTriggerName(first.schema, first.table) + ":create",
             .sql = CreateTableTriggerSql(specs),
             .lock = ops::Lock::kAccessExclusive,  // ADD COLUMN of the marker (catalog only)
             .table = first.table}};
  }
  std::vector<std::string> DropSql(const std::string& schema,
                                   const std::string& table) const override {
    return {DropTableTriggerSql(schema, table)};
  }
  std::string IsVersionCondition(const std::string& version_schema) const override {
    return triggers::IsVersionCondition(version_schema);
  }
};

}  // namespace

const DualWriteSql& PostgresDualWrite() {
  static const PostgresDualWriteSql instance;
  return instance;
}

}  // namespace zs::triggers
