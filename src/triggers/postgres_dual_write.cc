#include "triggers/postgres_dual_write.h"
#include "triggers/postgres_dual_write_origin.h"
#include "triggers/postgres_dual_write_step_aside.h"

#include <fmt/format.h>

#include <algorithm>

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
  // Two triggers run the one function, each in its own replication roles, so
  // exactly one fires for any write. The origin trigger (origin and local
  // roles: every ordinary client) has no WHEN: a trigger's WHEN is parsed and
  // compiled again by every statement (its stored node tree; 1.6 kB here),
  // which measured 7 of the 12 us the trigger added to a single-row UPDATE
  // (and 5 of 10 us to an INSERT) in backend CPU, with PL/pgSQL's own run at
  // under 3 us; without it, 19 instead of 27 us per UPDATE (13 without any
  // trigger), 10 instead of 16 us per INSERT (5). ENABLE REPLICA: the other
  // fires in replica mode (the backfill's session uses it so that user
  // triggers do not; logical replication's apply workers run in it); only
  // its WHEN (FiresCondition) lets a batch skip it.
  return fmt::format(
      "ALTER TABLE {4} ADD COLUMN {5} boolean;\n"
      "CREATE OR REPLACE FUNCTION {0}() RETURNS trigger LANGUAGE plpgsql AS {1}{2}{1};\n"
      "CREATE TRIGGER {3} BEFORE INSERT OR UPDATE ON {4} FOR EACH ROW WHEN ({6}) EXECUTE "
      "FUNCTION {0}();\n"
      "ALTER TABLE {4} ENABLE REPLICA TRIGGER {3};\n"
      "CREATE TRIGGER {7} BEFORE INSERT OR UPDATE ON {4} FOR EACH ROW EXECUTE FUNCTION {0}();",
      pg::QualifiedName(kStateSchema, function), tag, body, pg::QuoteIdent(name), table, marker,
      FiresCondition(), pg::QuoteIdent(OriginTriggerName(first.schema, first.table)));
}

std::string DropTableTriggerSql(const std::string& schema, const std::string& table) {
  std::string name = TableTriggerName(schema, table);
  std::string qualified = pg::QualifiedName(schema, table);
  return fmt::format(
      "DROP TRIGGER IF EXISTS {} ON {};\nDROP TRIGGER IF EXISTS {} ON {};\n"
      "DROP FUNCTION IF EXISTS {}();\nALTER TABLE IF EXISTS {} DROP COLUMN IF EXISTS {};",
      pg::QuoteIdent(OriginTriggerName(schema, table)), qualified, pg::QuoteIdent(name), qualified,
      pg::QualifiedName(kStateSchema, TableTriggerFunctionName(schema, table)), qualified,
      pg::QuoteIdent(MarkerColumnName()));
}

namespace {

// The free functions above, behind the interface: the planner's action for
// the trigger (id, lock, table), byte for byte what the golden plan
// (engine/testdata/split_name.plan) holds.
class PostgresDualWriteSql final : public DualWriteSql {
 public:
  std::vector<std::string> TriggerNames(const std::string& schema,
                                        const std::string& table) const override {
    return {TableTriggerName(schema, table), OriginTriggerName(schema, table)};
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
