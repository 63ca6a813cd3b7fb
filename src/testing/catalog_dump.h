// Test helper (header-only): a text dump of everything a migration could
// change, to prove that a command changed nothing (validate, bad input) or
// that rollback restored exactly the state before start.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "pg/connection.h"

namespace zs::testing {

// Every schema, relation (with kind and replica identity), column, constraint,
// index, trigger, function, view, user-defined type and comment outside the
// system schemas, and the zeroshift state rows.
inline std::string CatalogDump(pg::Connection& conn) {
  Result<pg::Rows> rows = conn.Exec(R"sql(
WITH ns AS (
  SELECT oid, nspname FROM pg_namespace
  WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
)
SELECT x FROM (
  SELECT 'schema ' || nspname FROM ns
  UNION ALL
  SELECT 'relation ' || ns.nspname || '.' || c.relname || ' kind=' || c.relkind::text
         || ' replica=' || c.relreplident::text
         || ' comment=' || coalesce(obj_description(c.oid, 'pg_class'), '')
  FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
  UNION ALL
  SELECT 'column ' || ns.nspname || '.' || c.relname || '.' || a.attname || ' '
         || format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull
         || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
         || ' identity=' || a.attidentity::text || ' generated=' || a.attgenerated::text
         || ' comment=' || coalesce(col_description(c.oid, a.attnum), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON ns.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' '
         || pg_get_constraintdef(oid) || ' valid=' || convalidated
  FROM pg_constraint WHERE connamespace IN (SELECT oid FROM ns)
  UNION ALL
  SELECT 'index ' || pg_get_indexdef(i.indexrelid) || ' valid=' || i.indisvalid
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace IN (SELECT oid FROM ns)
  UNION ALL
  SELECT 'trigger ' || tgrelid::regclass::text || ' ' || tgname || ' enabled=' || tgenabled::text
  FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL
  SELECT 'function ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc)
  FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
  UNION ALL
  SELECT 'view ' || ns.nspname || '.' || c.relname || ' ' || pg_get_viewdef(c.oid)
  FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind = 'v'
  UNION ALL
  SELECT 'type ' || t.oid::regtype::text || ' ' || t.typtype::text || ' '
         || coalesce((SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum
                      WHERE enumtypid = t.oid), '')
  FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
  WHERE t.typtype IN ('e', 'd', 'c') AND NOT EXISTS (
    SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c')
  UNION ALL
  -- zeroshift's state rows, when the state schema exists (read as XML so that
  -- the query plans without the table).
  SELECT 'migration ' || m
  FROM unnest(CASE WHEN to_regclass('zeroshift.migrations') IS NULL THEN ARRAY[]::text[] ELSE
    xpath('//row/m/text()', query_to_xml(
      'SELECT m::text AS m FROM zeroshift.migrations m ORDER BY created_at, name',
      false, false, ''))::text[] END) AS m
) s(x) ORDER BY x)sql");
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  if (!rows.ok()) return "";
  std::string out;
  for (int i = 0; i < rows->size(); ++i) out += rows->Get(i, 0) + "\n";
  return out;
}

}  // namespace zs::testing
