#!/bin/bash
# Figure 6's "where the time goes" (bench/README.md): what filling a new column
# of every row costs MariaDB, taken apart in SQL, on one throwaway mariadbd with
# figure 6's options (bench/mariadb_zeroshift.cc, Figure6ServerOptions), no
# clients. Prints, per step, the wall time and mariadbd's CPU seconds (from
# /proc/<pid>/stat: on a shared machine they move far less than wall time).
#
#   sudo bench/mariadb_fill_ab.sh [ROWS]      # default 1000000; run as root
#
# Each step runs on its own copy of the lab's users table (database s1..s8).
set -euo pipefail
ROWS=${1:-1000000}
# shellcheck source=bench/lib/mariadb_fill.sh
source "$(dirname "$0")/lib/mariadb_fill.sh"
mariadb_start fill-ab

step() {  # label database sql
  local began cpu0
  began=$(date +%s.%N)
  cpu0=$(cpu)
  "${M[@]}" --delimiter='//' "$2" -e "$3"
  printf '%-78s wall %6.1f s  CPU %5.2f s  load %s\n' "$1" \
    "$(echo "$(date +%s.%N) - $began" | bc)" "$(echo "$(cpu) - $cpu0" | bc)" \
    "$(cut -d' ' -f1 /proc/loadavg)"
}

echo "$ROWS rows; mariadbd ${ARGS[*]}"
for db in s1 s2 s3 s4 s5 s6 s7 s8; do load $db; done
PT_NEW="CREATE TABLE users_new LIKE users; ALTER TABLE users_new MODIFY visits BIGINT NOT NULL DEFAULT 0"
quiet s1 -e "$PT_NEW"
COPY=""
for ((lo = 0; lo < ROWS; lo += 50000)); do
  COPY+="INSERT LOW_PRIORITY IGNORE INTO users_new (id, name, visits) SELECT id, name, visits FROM users
    FORCE INDEX (PRIMARY) WHERE id > $lo AND id <= $((lo + 50000)) LOCK IN SHARE MODE//"
done
step "pt-osc's copy: chunks of 50 000, INSERT ... SELECT into a BIGINT table" s1 "$COPY"

INSTANT="ALTER TABLE users ADD COLUMN vn BIGINT NOT NULL DEFAULT 0, ADD COLUMN zs_m BOOLEAN NULL, ALGORITHM=INSTANT"
for db in s2 s3 s4 s5; do quiet $db -e "$INSTANT"; done
step "vn added INSTANT: one UPDATE of vn" s2 "UPDATE users SET vn = visits"
step "vn added INSTANT: one UPDATE of vn and the BOOLEAN NULL marker" s3 \
  "UPDATE users SET vn = (visits), zs_m = TRUE WHERE zs_m IS NULL"
quiet s4 -e "$TRIGGER"
quiet s4 -e "$(fill_procedure 'zs_m IS NULL' 'vn = (visits), zs_m = TRUE')"
step "vn added INSTANT: the backfill's shape (batches of 2 000, trigger, marker)" s4 "CALL fill(2000)"
quiet s5 -e "$(fill_procedure 'zs_m IS NULL' 'vn = (visits), zs_m = TRUE')"
step "vn added INSTANT: the same without the trigger" s5 "CALL fill(2000)"

step "vn added by a rebuild (FORCE, ALGORITHM=INPLACE, LOCK=NONE)" s6 \
  "ALTER TABLE users ADD COLUMN vn BIGINT NOT NULL DEFAULT 0, FORCE, ALGORITHM=INPLACE, LOCK=NONE"
step "rebuilt: one UPDATE of vn (rows keep their size)" s6 "UPDATE users SET vn = visits"
step "vn and a BOOLEAN NULL marker added by a rebuild" s7 \
  "ALTER TABLE users ADD COLUMN vn BIGINT NOT NULL DEFAULT 0, ADD COLUMN zs_m BOOLEAN NULL, FORCE, ALGORITHM=INPLACE, LOCK=NONE"
quiet s7 -e "$TRIGGER"
quiet s7 -e "$(fill_procedure 'zs_m IS NULL' 'vn = (visits), zs_m = TRUE')"
step "rebuilt: the backfill's shape (the marker grows from NULL)" s7 "CALL fill(2000)"
step "vn and a TINYINT NOT NULL DEFAULT 0 marker added by a rebuild" s8 \
  "ALTER TABLE users ADD COLUMN vn BIGINT NOT NULL DEFAULT 0, ADD COLUMN zs_m TINYINT NOT NULL DEFAULT 0, FORCE, ALGORITHM=INPLACE, LOCK=NONE"
quiet s8 -e "$TRIGGER"
quiet s8 -e "$(fill_procedure 'zs_m = 0' 'vn = (visits), zs_m = 1')"
step "rebuilt: the backfill's shape, marker 0 -> 1 (rows keep their size)" s8 "CALL fill(2000)"

# Every step must have written every row, or its time means nothing.
for db in s2 s3 s4 s5 s6 s7 s8; do
  wrong=$("${M[@]}" -N "$db" -e "SELECT COUNT(*) FROM users WHERE vn <> visits")
  [ "$wrong" = 0 ] || { echo "database $db: $wrong rows were not filled; the numbers above are void" >&2; exit 1; }
done
copied=$("${M[@]}" -N s1 -e "SELECT COUNT(*) FROM users_new")
[ "$copied" = "$ROWS" ] || { echo "database s1: the copy holds $copied of $ROWS rows" >&2; exit 1; }
echo "every step wrote every row"
