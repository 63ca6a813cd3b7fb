#!/usr/bin/env bash
# Regenerates the catalog data `zeroshift lint` ships (checked in, embedded into
# the binary at build time by cmake/embed_data.cmake):
#   data/pg_function_volatility.tsv  every function of pg_catalog and of the common contrib
#                                     extensions: name, argument types, defaults, variadic,
#                                     provolatile (i immutable, s stable, v volatile), origin
#   data/pg_binary_casts.tsv         pg_cast rows with castmethod 'b' (binary coercible):
#                                     source type, target type (pg_type.typname)
# from a throwaway cluster of the installed PostgreSQL (initdb into a temporary
# directory, as the postgres user when run as root; removed on exit).
# Usage: scripts/gen-function-volatility.sh [OUTPUT_DIR]   (default: data/ of this repository)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out_dir=${1:-$repo/data}
bin_dir=$(pg_config --bindir 2>/dev/null || true)
if [[ -z "$bin_dir" || ! -x "$bin_dir/initdb" ]]; then
  bin_dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
fi
[[ -x "$bin_dir/initdb" ]] || { echo "no PostgreSQL server binaries (install postgresql)" >&2; exit 1; }

# Contrib extensions whose functions often appear in column defaults.
extensions=(uuid-ossp pgcrypto citext hstore pg_trgm fuzzystrmatch unaccent ltree intarray
            tablefunc isn cube earthdistance)

work=$(mktemp -d /tmp/zs-gen-volatility-XXXXXX)
as_server_user=()
if [[ $(id -u) -eq 0 ]]; then
  chown postgres: "$work"
  as_server_user=(runuser -u postgres --)
fi
cleanup() {
  "${as_server_user[@]}" "$bin_dir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"${as_server_user[@]}" "$bin_dir/initdb" -D "$work/data" -A trust -U postgres >/dev/null
"${as_server_user[@]}" "$bin_dir/pg_ctl" -D "$work/data" -l "$work/log" -w \
  -o "-c listen_addresses='' -k $work" start >/dev/null
psql=(psql -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 -h "$work" -U postgres -d postgres)

for ext in "${extensions[@]}"; do
  "${psql[@]}" -c "CREATE EXTENSION IF NOT EXISTS \"$ext\" CASCADE" >/dev/null 2>&1 ||
    echo "note: extension $ext is not installed here; its functions are left out" >&2
done

version=$("${psql[@]}" -c "SHOW server_version")
{
  printf '# pg_proc of PostgreSQL %s (pg_catalog and contrib extensions), by scripts/gen-function-volatility.sh\n' "$version"
  printf '# name\targ_types\tn_defaults\tvariadic\tvolatility\torigin\n'
  "${psql[@]}" <<'SQL'
SELECT p.proname,
       coalesce((SELECT string_agg(t.typname, ',' ORDER BY a.ord)
                   FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(typ, ord)
                   JOIN pg_type t ON t.oid = a.typ), ''),
       p.pronargdefaults,
       CASE WHEN p.provariadic <> 0 THEN 't' ELSE 'f' END,
       p.provolatile,
       coalesce(e.extname, n.nspname)
  FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
  LEFT JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  LEFT JOIN pg_extension e ON e.oid = d.refobjid
 WHERE p.prokind = 'f'
   AND (n.nspname = 'pg_catalog' OR e.oid IS NOT NULL)
 ORDER BY 1, 2, 3, 4, 5, 6;
SQL
} >"$out_dir/pg_function_volatility.tsv.tmp"

{
  printf '# pg_cast rows with castmethod b of PostgreSQL %s, by scripts/gen-function-volatility.sh\n' "$version"
  printf '# source_type\ttarget_type\n'
  "${psql[@]}" <<'SQL'
SELECT DISTINCT s.typname, t.typname
  FROM pg_cast c
  JOIN pg_type s ON s.oid = c.castsource
  JOIN pg_type t ON t.oid = c.casttarget
 WHERE c.castmethod = 'b'
 ORDER BY 1, 2;
SQL
} >"$out_dir/pg_binary_casts.tsv.tmp"

mv "$out_dir/pg_function_volatility.tsv.tmp" "$out_dir/pg_function_volatility.tsv"
mv "$out_dir/pg_binary_casts.tsv.tmp" "$out_dir/pg_binary_casts.tsv"
echo "wrote $out_dir/pg_function_volatility.tsv ($(grep -vc '^#' "$out_dir/pg_function_volatility.tsv") functions)" \
  "and $out_dir/pg_binary_casts.tsv ($(grep -vc '^#' "$out_dir/pg_binary_casts.tsv") casts)"
