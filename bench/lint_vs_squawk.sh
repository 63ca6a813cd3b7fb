#!/usr/bin/env bash
# zeroshift lint vs squawk on the same SQL files: which findings each makes, and
# how long each takes on a generated 10 000-statement migration (best of 3,
# wall clock). squawk is the npm package squawk-cli, installed into
# build/squawk with npm when missing (its native binary is timed too, without
# node's start-up). Results: bench/results/lint_vs_squawk.md.
# Usage: bench/lint_vs_squawk.sh [path/to/zeroshift]   (default build/zeroshift)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
zeroshift=$(realpath "${1:-$repo/build/zeroshift}")
squawk_dir=${SQUAWK_DIR:-$repo/build/squawk}
work=$repo/build/lint-vs-squawk
out=$repo/bench/results/lint_vs_squawk.md
cases=$repo/tests/lint/cases

[[ -x "$zeroshift" ]] || { echo "no zeroshift binary at $zeroshift (make build)" >&2; exit 1; }
if [[ ! -x "$squawk_dir/node_modules/.bin/squawk" ]]; then
  echo "installing squawk-cli into $squawk_dir (npm)" >&2
  mkdir -p "$squawk_dir"
  npm install --prefix "$squawk_dir" --no-audit --no-fund squawk-cli >&2
fi
squawk_npm=$squawk_dir/node_modules/.bin/squawk
squawk_native=$(ls "$squawk_dir"/node_modules/@squawk-cli/*/bin/squawk 2>/dev/null | head -1)
squawk_version=$("$squawk_npm" --version | awk '{print $2}')

rm -rf "$work"
mkdir -p "$work/files"

# The files compared: the seed's script, then cases of tests/lint/cases.
cp "$cases/unbatched_dml__bad_seed_script.sql" "$work/files/00_seed_script.sql"
compared=(
  runs_while_locked__bad_seed_in_transaction
  validate_in_same_transaction__bad_begin
  concurrently_in_transaction__bad_begin
  add_column_volatile_default__bad_clock_timestamp_in_expression
  add_column_volatile_default__good_now
  alter_column_type_rewrite__bad_int_to_bigint
  alter_column_type_rewrite__good_known_varchar_to_text
  set_not_null_without_check__good_validated_check
  unique_without_using_index__bad_unique
  unbatched_dml__bad_update_is_null
  vacuum_full__bad
  rename_column__bad
)
n=1
for name in "${compared[@]}"; do
  printf -v file "%s/files/%02d_%s.sql" "$work" "$n" "$name"
  # The case files' next-file markers are plain comments here: one file each.
  cp "$cases/$name.sql" "$file"
  n=$((n + 1))
done

# 10 000 statements: 2 000 rounds of five on 50 tables.
big=$work/10000_statements.sql
awk 'BEGIN {
  for (i = 0; i < 2000; i++) {
    t = "t" (i % 50)
    printf "ALTER TABLE %s ADD COLUMN c%d text;\n", t, i
    printf "CREATE INDEX CONCURRENTLY %s_c%d_idx ON %s (c%d);\n", t, i, t, i
    printf "UPDATE %s SET c%d = lower(name) WHERE id BETWEEN %d AND %d;\n", t, i, i * 1000, i * 1000 + 999
    printf "ALTER TABLE %s ADD CONSTRAINT %s_c%d_check CHECK (c%d <> %s) NOT VALID;\n", t, t, i, i, "'\'''\''"
    printf "ALTER TABLE %s VALIDATE CONSTRAINT %s_c%d_check;\n", t, t, i
  }
}' > "$big"
statements=$(grep -c ';$' "$big")

# "rule@line" of each finding, one file's JSON on stdin; zeroshift lines are
# 1-based, squawk's 0-based.
summarize() {
  node -e '
    const tool = process.argv[1];
    let text = ""; process.stdin.on("data", d => text += d);
    process.stdin.on("end", () => {
      const findings = text.trim() ? JSON.parse(text) : [];
      const items = findings.map(f => tool === "squawk"
        ? `${f.rule_name}@${f.line + 1}` : `${f.rule}@${f.line}`);
      console.log(items.length ? items.join(", ") : "(none)");
    });' "$1"
}

run_zeroshift() { "$zeroshift" lint --no-config --fail-on none --format json "$@"; }
run_squawk() { "$squawk_npm" --reporter json "$@" || true; }

{
  echo "# zeroshift lint vs squawk"
  echo
  echo "Produced by \`bench/lint_vs_squawk.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores;" \
       "squawk-cli $squawk_version from npm; zeroshift lint as built)."
  echo
  echo "## Findings on the same files"
  echo
  echo "\`rule@line\` per finding. zeroshift: \`zeroshift lint --format json FILE\`;" \
       "squawk: \`squawk --reporter json FILE\`. The seed's script is also run as most" \
       "migration tools run it, in one transaction (\`--assume-in-transaction\` for both)."
  echo
  echo "| file | squawk | zeroshift lint |"
  echo "|---|---|---|"
  for file in "$work"/files/*.sql; do
    name=$(basename "$file")
    s=$(run_squawk "$file" | summarize squawk)
    z=$(run_zeroshift "$file" | summarize zeroshift)
    echo "| $name | $s | $z |"
    if [[ $name == 00_seed_script.sql ]]; then
      s=$(run_squawk --assume-in-transaction "$file" | summarize squawk)
      z=$(run_zeroshift --assume-in-transaction "$file" | summarize zeroshift)
      echo "| $name, in one transaction | $s | $z |"
    fi
  done
} > "$out.tmp"

# Best of three wall-clock runs of a command, in seconds.
best_of_3() {
  local best=""
  for _ in 1 2 3; do
    local start end took
    start=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || true
    end=$(date +%s.%N)
    took=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
    if [[ -z "$best" ]] || awk -v a="$took" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$took
    fi
  done
  echo "$best"
}

z_time=$(best_of_3 "$zeroshift" lint --no-config --format json "$big")
s_time=$(best_of_3 "$squawk_npm" --reporter json "$big")
n_time=""
[[ -n "$squawk_native" ]] && n_time=$(best_of_3 "$squawk_native" --reporter json "$big")
z_findings=$(run_zeroshift "$big" | node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>console.log(JSON.parse(t).length))')
s_findings=$(run_squawk "$big" | node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>console.log(JSON.parse(t).length))')

{
  echo
  echo "## Time on a 10 000-statement file"
  echo
  echo "$statements statements (2 000 rounds of ADD COLUMN, CREATE INDEX CONCURRENTLY, a keyed" \
       "UPDATE, ADD CHECK NOT VALID, VALIDATE on 50 tables), $(wc -c < "$big") bytes;" \
       "best of 3 wall-clock runs, JSON output to /dev/null."
  echo
  echo "| tool | command | seconds | findings |"
  echo "|---|---|---|---|"
  echo "| zeroshift lint | \`zeroshift lint --format json 10000_statements.sql\` | $z_time | $z_findings |"
  echo "| squawk $squawk_version (npm) | \`squawk --reporter json 10000_statements.sql\` | $s_time | $s_findings |"
  [[ -n "$n_time" ]] && echo "| squawk $squawk_version (native binary, no node) | \`.../@squawk-cli/linux-x64/bin/squawk --reporter json ...\` | $n_time | $s_findings |"
  echo
  ratio=$(awk -v z="$z_time" -v s="${n_time:-$s_time}" 'BEGIN { if (z > 0) printf "%.1f", s / z; else print "-" }')
  echo "zeroshift lint took ${z_time} s, squawk's native binary ${n_time:-$s_time} s: ${ratio}x."
} >> "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
