#include "ops/column_swap_sql.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "pg/quote.h"

namespace zs::ops::swap {

namespace {

std::string DollarTag(const std::string& body) {
  std::string tag = "$zs$";
  for (int i = 0; body.find(tag) != std::string::npos; ++i) tag = fmt::format("$zs{}$", i);
  return tag;
}

// Fails, naming the index, unless the index exists and is valid. A CREATE
// INDEX CONCURRENTLY that fails part-way leaves an INVALID index behind.
std::string RequireValidIndexSql(const std::string& schema, const IndexBuild& build,
                                 const schema::Table& table) {
  std::string qualified = pg::QualifiedName(schema, build.build_name);
  std::string message = fmt::format(
      "index {} on \"{}\" is missing or INVALID after CREATE INDEX CONCURRENTLY; run zeroshift "
      "rollback (it drops the index), or DROP INDEX CONCURRENTLY {} and start again",
      qualified, table.name, qualified);
  std::string body = fmt::format(
      "\nBEGIN\n  IF NOT coalesce((SELECT indisvalid FROM pg_index WHERE indexrelid = "
      "to_regclass({})), false) THEN\n    RAISE EXCEPTION USING MESSAGE = {};\n  END IF;\nEND\n",
      pg::QuoteLiteral(qualified), pg::QuoteLiteral(message));
  std::string tag = DollarTag(body);
  return "DO " + tag + body + tag + ";";
}

std::string AlterTable(const Layout& layout, const std::string& action) {
  return "ALTER TABLE " + layout.qualified + " " + action + ";";
}

// ---------------------------------------------------------------------------
// User triggers with a column list (`AFTER UPDATE OF email`)
//
// A new-version client's UPDATE of `email` sets the temporary column (the view
// shows it under the old name); `email` itself is then set by the dual-write
// trigger, which `UPDATE OF` does not count. So each user trigger that lists
// swapped columns gets a copy, "_zs_of_<name>", listing their temporary
// columns instead: it fires exactly for the new version's writes of them. At
// complete the original goes and the copy takes its name (the temporary
// columns take the old names with it); at rollback the copy goes.

constexpr char kTriggerCopyPrefix[] = "_zs_of_";

// VALUES rows (old physical name, temporary name) of the swapped columns.
std::string SwapPairs(const Layout& layout) {
  std::string out;
  for (const TempColumn& column : layout.columns) {
    out += fmt::format("{}({}, {})", out.empty() ? "" : ", ", pg::QuoteLiteral(column.old_physical),
                       pg::QuoteLiteral(column.temp));
  }
  return out;
}

std::string DoBlock(const std::string& body) {
  std::string tag = DollarTag(body);
  return "DO " + tag + body + tag + ";";
}

std::string CopyColumnTriggersSql(const Layout& layout) {
  std::string body = fmt::format(R"sql(
DECLARE
  t record;
  def text;
  head text;
BEGIN
  FOR t IN
    SELECT tg.oid, tg.tgname, tg.tgconstraint <> 0 AS is_constraint,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n)
              FROM unnest(tg.tgattr::int2[]) WITH ORDINALITY k(attnum, n)
              JOIN pg_attribute a ON a.attrelid = tg.tgrelid AND a.attnum = k.attnum) AS listed,
           (SELECT string_agg(quote_ident(m.col_temp), ', ' ORDER BY k.n)
              FROM unnest(tg.tgattr::int2[]) WITH ORDINALITY k(attnum, n)
              JOIN pg_attribute a ON a.attrelid = tg.tgrelid AND a.attnum = k.attnum
              JOIN (VALUES {pairs}) m(col_old, col_temp) ON m.col_old = a.attname) AS copied,
           (SELECT count(*) FROM unnest(tg.tgattr::int2[]) k(attnum)
              JOIN pg_attribute a ON a.attrelid = tg.tgrelid AND a.attnum = k.attnum
              WHERE a.attname NOT IN (SELECT m.col_old FROM (VALUES {pairs}) m(col_old, col_temp))) AS others
    FROM pg_trigger tg
    WHERE tg.tgrelid = to_regclass({table}) AND NOT tg.tgisinternal
      AND cardinality(tg.tgattr::int2[]) > 0 AND tg.tgname NOT LIKE '\_zs\_%'
  LOOP
    CONTINUE WHEN t.copied IS NULL;
    IF t.others > 0 THEN
      RAISE EXCEPTION USING MESSAGE = format('trigger %I on %s lists columns this migration changes '
        'together with columns it does not (UPDATE OF %s); a copy for the new version would fire '
        'twice for some writes. Split the trigger in two, or run `zeroshift rollback`', t.tgname,
        {table}, t.listed);
    END IF;
    IF octet_length({prefix} || t.tgname) > 63 THEN
      RAISE EXCEPTION USING MESSAGE = format('trigger %I on %s lists a column this migration changes, '
        'and its name is too long for its copy %L (63 bytes at most); rename it, or run '
        '`zeroshift rollback`', t.tgname, {table}, {prefix} || t.tgname);
    END IF;
    def := pg_get_triggerdef(t.oid);
    head := CASE WHEN t.is_constraint THEN 'CREATE CONSTRAINT TRIGGER ' ELSE 'CREATE TRIGGER ' END;
    def := head || quote_ident({prefix} || t.tgname)
           || substr(def, length(head || quote_ident(t.tgname)) + 1);
    def := replace(def, 'UPDATE OF ' || t.listed || ' ON ', 'UPDATE OF ' || t.copied || ' ON ');
    EXECUTE def;
  END LOOP;
END
)sql",
                                 fmt::arg("pairs", SwapPairs(layout)),
                                 fmt::arg("table", pg::QuoteLiteral(layout.qualified)),
                                 fmt::arg("prefix", pg::QuoteLiteral(kTriggerCopyPrefix)));
  return DoBlock(body);
}

// The copies of this swap: triggers named with the prefix whose columns are
// all among its temporary columns. `finish` is run for each, as a format()
// string with %1$I the copy's name and %2$I the original's.
std::string ForEachTriggerCopySql(const Layout& layout, const std::string& finish) {
  std::string body = fmt::format(R"sql(
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT tg.tgname FROM pg_trigger tg
    WHERE tg.tgrelid = to_regclass({table}) AND NOT tg.tgisinternal
      AND starts_with(tg.tgname, {prefix}) AND cardinality(tg.tgattr::int2[]) > 0
      AND NOT EXISTS (SELECT 1 FROM unnest(tg.tgattr::int2[]) k(attnum)
        JOIN pg_attribute a ON a.attrelid = tg.tgrelid AND a.attnum = k.attnum
        WHERE a.attname NOT IN (SELECT m.col_temp FROM (VALUES {pairs}) m(col_old, col_temp)))
  LOOP
    EXECUTE format({finish}, t.tgname, substr(t.tgname, {skip}));
  END LOOP;
END
)sql",
                                 fmt::arg("table", pg::QuoteLiteral(layout.qualified)),
                                 fmt::arg("prefix", pg::QuoteLiteral(kTriggerCopyPrefix)),
                                 fmt::arg("pairs", SwapPairs(layout)),
                                 fmt::arg("finish", pg::QuoteLiteral(finish)),
                                 fmt::arg("skip", sizeof(kTriggerCopyPrefix)));
  return DoBlock(body);
}

// Complete: the original goes, the copy takes its name.
std::string PromoteTriggerCopiesSql(const Layout& layout) {
  return ForEachTriggerCopySql(
      layout, fmt::format("DROP TRIGGER IF EXISTS %2$I ON {0}; ALTER TRIGGER %1$I ON {0} RENAME TO "
                          "%2$I",
                          layout.qualified));
}

// Rollback: the copies go (before the temporary columns they list).
std::string DropTriggerCopiesSql(const Layout& layout) {
  return ForEachTriggerCopySql(layout,
                               fmt::format("DROP TRIGGER IF EXISTS %1$I ON {}", layout.qualified));
}

// ---------------------------------------------------------------------------
// Start

std::string AddColumnSql(const Layout& layout, const TempColumn& column) {
  std::string temp = pg::QuoteIdent(column.temp);
  std::string sql = AlterTable(layout, "ADD COLUMN " + temp + " " + column.shape.type);
  // SET DEFAULT after ADD COLUMN: existing rows are filled by the backfill,
  // and a volatile default (nextval) does not rewrite the table.
  if (column.shape.default_expr) {
    sql += "\n" + AlterTable(layout, fmt::format("ALTER COLUMN {} SET DEFAULT {}", temp,
                                                 *column.shape.default_expr));
  }
  if (column.shape.comment) {
    sql += fmt::format("\nCOMMENT ON COLUMN {}.{} IS {};", layout.qualified, temp,
                       pg::QuoteLiteral(*column.shape.comment));
  }
  return sql;
}

std::string AddConstraintSql(const Layout& layout, const ConstraintBuild& build, bool valid) {
  return AlterTable(layout, fmt::format("ADD CONSTRAINT {} {}{}", pg::QuoteIdent(build.build_name),
                                        build.body, valid ? "" : " NOT VALID"));
}

}  // namespace

std::vector<Action> SwapStart(const OpContext& ctx, const SwapSpec& spec, const Layout& layout) {
  const std::string& table = layout.table->physical_name;
  std::string expand;
  for (const TempColumn& column : layout.columns) {
    expand += (expand.empty() ? "" : "\n") + AddColumnSql(layout, column);
  }
  for (const ConstraintBuild& build : layout.constraints) {
    if (build.type == 'c') expand += "\n" + AddConstraintSql(layout, build, false);
  }
  std::vector<Action> actions{{.id = spec.id + ":add_temporary",
                               .sql = expand,
                               .lock = Lock::kAccessExclusive,
                               .table = table}};
  for (const TempColumn& column : layout.columns) {
    if (column.not_null_check.empty()) continue;
    actions.push_back(
        {.id = spec.id + ":not_null_check:" + column.temp,
         .sql = AlterTable(layout, fmt::format("ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID",
                                               pg::QuoteIdent(column.not_null_check),
                                               pg::QuoteIdent(column.temp))),
         .lock = Lock::kAccessExclusive,
         .table = table,
         .after_triggers = true});
  }
  // With the dual-write trigger: a copy fires only for writes through the new
  // version, whose views exist from the same install phase on.
  actions.push_back({.id = spec.id + ":copy_column_triggers",
                     .sql = CopyColumnTriggersSql(layout),
                     .lock = Lock::kShareRowExclusive,
                     .table = table,
                     .after_triggers = true});
  for (const ConstraintBuild& build : layout.constraints) {
    if (build.type != 'f') continue;
    actions.push_back({.id = spec.id + ":foreign_key:" + build.build_name,
                       .sql = AddConstraintSql(layout, build, false),
                       .lock = Lock::kShareRowExclusive,
                       .table = table});
  }
  for (const IndexBuild& build : layout.indexes) {
    std::string index = pg::QualifiedName(ctx.before->name, build.build_name);
    actions.push_back({.id = spec.id + ":index:" + build.build_name,
                       .sql = build.sql + ";",
                       .lock = Lock::kShareUpdateExclusive,
                       .table = table,
                       .transactional = false,
                       .before_retry_sql = "DROP INDEX CONCURRENTLY IF EXISTS " + index + ";"});
    actions.push_back({.id = spec.id + ":index_valid:" + build.build_name,
                       .sql = RequireValidIndexSql(ctx.before->name, build, *layout.table),
                       .lock = Lock::kNone});
  }
  return actions;
}

// On a table this migration created: plain ALTER TABLE statements.
std::vector<Action> InPlaceStart(const SwapSpec& spec, const Layout& layout) {
  std::string sql;
  auto append = [&](const std::string& statement) { sql += (sql.empty() ? "" : "\n") + statement; };
  auto add = [&](const std::string& action) { append(AlterTable(layout, action)); };
  if (!spec.dropped.empty()) add("DROP CONSTRAINT " + pg::QuoteIdent(spec.dropped));
  for (const TempColumn& column : layout.columns) {
    const schema::Column& old = *column.old;
    const schema::Column& shape = column.shape;
    std::string name = pg::QuoteIdent(column.temp);
    if (shape.type != old.type) {
      add(fmt::format("ALTER COLUMN {0} TYPE {1} USING {0}::{1}", name, shape.type));
    }
    if (shape.default_expr != old.default_expr) {
      add("ALTER COLUMN " + name +
          (shape.default_expr ? " SET DEFAULT " + *shape.default_expr : " DROP DEFAULT"));
    }
    if (shape.nullable != old.nullable) {
      add("ALTER COLUMN " + name + (shape.nullable ? " DROP NOT NULL" : " SET NOT NULL"));
    }
    if (shape.comment != old.comment) {
      append(fmt::format("COMMENT ON COLUMN {}.{} IS {};", layout.qualified, name,
                         shape.comment ? pg::QuoteLiteral(*shape.comment) : "NULL"));
    }
  }
  for (const IndexBuild& build : layout.indexes) {
    add(fmt::format("ADD CONSTRAINT {} {}", pg::QuoteIdent(build.name), build.inline_sql));
  }
  for (const ConstraintBuild& build : layout.constraints) {
    append(AddConstraintSql(layout, build, true));
  }
  if (sql.empty()) return {};
  return {{.id = spec.id + ":in_place",
           .sql = sql,
           .lock = Lock::kAccessExclusive,
           .table = layout.table->physical_name}};
}

// ---------------------------------------------------------------------------
// Complete and rollback

std::vector<Action> ValidateActions(const SwapSpec& spec, const Layout& layout) {
  std::vector<std::string> checks;
  for (const TempColumn& column : layout.columns) {
    if (!column.not_null_check.empty()) checks.push_back(column.not_null_check);
  }
  for (const ConstraintBuild& build : layout.constraints) checks.push_back(build.build_name);
  std::vector<Action> actions;
  for (const auto& name : checks) {
    actions.push_back({.id = spec.id + ":validate:" + name,
                       .sql = AlterTable(layout, "VALIDATE CONSTRAINT " + pg::QuoteIdent(name)),
                       .lock = Lock::kShareUpdateExclusive,
                       .table = layout.table->physical_name,
                       .phase = CompletePhase::kPrepare});
  }
  return actions;
}

namespace {

// As the column default names it: unqualified when it was in the search_path.
std::string SequenceSql(const sqlcheck::SequenceName& sequence) {
  return sequence.schema.empty() ? pg::QuoteIdent(sequence.name)
                                 : pg::QualifiedName(sequence.schema, sequence.name);
}

}  // namespace

// The old columns go with everything that hangs on them; the new ones and
// their duplicates take the original names.
std::string FinalizeSql(const OpContext& ctx, const Layout& layout) {
  std::vector<std::string> sql{PromoteTriggerCopiesSql(layout)};
  for (const TempColumn& column : layout.columns) {
    if (!column.sequence) continue;
    sql.push_back(fmt::format("ALTER SEQUENCE {} OWNED BY {}.{};", SequenceSql(*column.sequence),
                              layout.qualified, pg::QuoteIdent(column.temp)));
  }
  for (const TempColumn& column : layout.columns) {
    sql.push_back(AlterTable(layout, "DROP COLUMN " + pg::QuoteIdent(column.old_physical)));
  }
  for (const TempColumn& column : layout.columns) {
    sql.push_back(
        AlterTable(layout, fmt::format("RENAME COLUMN {} TO {}", pg::QuoteIdent(column.temp),
                                       pg::QuoteIdent(column.old_physical))));
  }
  for (const TempColumn& column : layout.columns) {
    if (column.not_null_check.empty()) continue;
    // SET NOT NULL skips its table scan thanks to the validated check.
    sql.push_back(AlterTable(
        layout, fmt::format("ALTER COLUMN {} SET NOT NULL", pg::QuoteIdent(column.old_physical))));
    sql.push_back(AlterTable(layout, "DROP CONSTRAINT " + pg::QuoteIdent(column.not_null_check)));
  }
  for (const IndexBuild& build : layout.indexes) {
    if (build.constraint != 0) {
      sql.push_back(AlterTable(
          layout, fmt::format("ADD CONSTRAINT {} {} USING INDEX {}{}", pg::QuoteIdent(build.name),
                              build.constraint == 'p' ? "PRIMARY KEY" : "UNIQUE",
                              pg::QuoteIdent(build.build_name), build.deferral)));
    } else if (build.build_name != build.name) {
      sql.push_back(fmt::format("ALTER INDEX {} RENAME TO {};",
                                pg::QualifiedName(ctx.before->name, build.build_name),
                                pg::QuoteIdent(build.name)));
    }
  }
  for (const IndexBuild& build : layout.indexes) {
    for (const TempColumn& column : layout.columns) {
      // Index attributes keep the temporary column's name; a repeated one
      // was numbered by PostgreSQL and keeps it.
      if (std::count(build.plain_columns.begin(), build.plain_columns.end(), column.temp) != 1) {
        continue;
      }
      sql.push_back(fmt::format("ALTER TABLE {} RENAME COLUMN {} TO {};",
                                pg::QualifiedName(ctx.before->name, build.name),
                                pg::QuoteIdent(column.temp), pg::QuoteIdent(column.old_physical)));
    }
  }
  const schema::Table& table = *layout.table;
  for (const IndexBuild& build : layout.indexes) {
    // Dropping the old column dropped the replica identity's index.
    if (!build.added && table.replica_identity == "i" &&
        table.replica_identity_index == build.name) {
      sql.push_back(
          AlterTable(layout, "REPLICA IDENTITY USING INDEX " + pg::QuoteIdent(build.name)));
    }
  }
  for (const ConstraintBuild& build : layout.constraints) {
    if (build.build_name == build.name) continue;
    sql.push_back(AlterTable(
        layout, fmt::format("RENAME CONSTRAINT {} TO {}", pg::QuoteIdent(build.build_name),
                            pg::QuoteIdent(build.name))));
  }
  return fmt::format("{}", fmt::join(sql, "\n"));
}

std::vector<Action> SwapRollback(const OpContext& ctx, const SwapSpec& spec, const Layout& layout) {
  std::vector<Action> actions;
  const std::string& table = layout.table->physical_name;
  for (auto build = layout.indexes.rbegin(); build != layout.indexes.rend(); ++build) {
    actions.push_back({.id = spec.id + ":drop_index:" + build->build_name,
                       .sql = "DROP INDEX CONCURRENTLY IF EXISTS " +
                              pg::QualifiedName(ctx.before->name, build->build_name) + ";",
                       .lock = Lock::kShareUpdateExclusive,
                       .table = table,
                       .transactional = false});
  }
  std::vector<std::string> drops;
  for (const ConstraintBuild& build : layout.constraints) {
    drops.push_back("DROP CONSTRAINT IF EXISTS " + pg::QuoteIdent(build.build_name));
  }
  for (const TempColumn& column : layout.columns) {
    drops.push_back("DROP COLUMN IF EXISTS " + pg::QuoteIdent(column.temp));
  }
  actions.push_back({.id = spec.id + ":drop_temporary",
                     .sql = DropTriggerCopiesSql(layout) + "\n" +
                            AlterTable(layout, fmt::format("{}", fmt::join(drops, ", "))),
                     .lock = Lock::kAccessExclusive,
                     .table = table});
  return actions;
}

std::vector<Action> InPlaceRollback(const SwapSpec& spec, const Layout& layout) {
  std::vector<std::string> drops;
  for (const IndexBuild& build : layout.indexes) {
    drops.push_back("DROP CONSTRAINT IF EXISTS " + pg::QuoteIdent(build.name));
  }
  for (const ConstraintBuild& build : layout.constraints) {
    drops.push_back("DROP CONSTRAINT IF EXISTS " + pg::QuoteIdent(build.name));
  }
  if (drops.empty()) return {};
  // The table goes with the rollback of the operation that created it; this
  // only matters when that one leaves it (an `sql` operation's down).
  return {{.id = spec.id + ":in_place_undo",
           .sql = "ALTER TABLE IF EXISTS " + layout.qualified + " " +
                  fmt::format("{}", fmt::join(drops, ", ")) + ";",
           .lock = Lock::kAccessExclusive,
           .table = layout.table->physical_name}};
}

}  // namespace zs::ops::swap
