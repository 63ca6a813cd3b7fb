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
DIR=$(mktemp -d /tmp/zs-fill-ab.XXXXXX)
mkdir -p "$DIR/tmp"
chown -R mysql:mysql "$DIR"
ARGS=(--innodb-buffer-pool-size=1G --innodb-log-file-size=1G --innodb-flush-log-at-trx-commit=1
      --server-id=1 "--log-bin=$DIR/data/zs-bin" --innodb-doublewrite=0
      --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci)
mariadb-install-db --no-defaults --skip-test-db --auth-root-authentication-method=normal \
  --datadir="$DIR/data" --user=mysql >/dev/null 2>&1
mariadbd --no-defaults --user=mysql --datadir="$DIR/data" --socket="$DIR/sock" --skip-networking \
  --pid-file="$DIR/pid" --log-error="$DIR/err.log" --tmpdir="$DIR/tmp" "${ARGS[@]}" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 120); do mariadb -S "$DIR/sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.5; done
M=(mariadb -S "$DIR/sock" -uroot)
PID=$(cat "$DIR/pid")
TICK=$(getconf CLK_TCK)
cpu() { awk -v tick="$TICK" '{ sub(/.*\) /, ""); print ($12 + $13) / tick }' "/proc/$PID/stat"; }

# The dual-write trigger's shape (src/triggers/mariadb_dual_write.cc): the
# backfill's session leaves at the first test.
TRIGGER="CREATE TRIGGER zs_u BEFORE UPDATE ON users FOR EACH ROW zs: BEGIN
  DECLARE v BOOLEAN DEFAULT FALSE;
  IF @zeroshift_backfill <=> 1 THEN LEAVE zs; END IF;
  SET v = COALESCE(@zeroshift_version = 'x', FALSE);
  IF NOT v THEN SET NEW.vn = (SELECT (visits) FROM (SELECT NEW.visits AS visits) AS zs_row); END IF;
  SET NEW.zs_m = NOT v; END"
# The backfill's batch (src/backfill/mariadb_batch.cc): the upper bound, one
# UPDATE of the key range skipping marked rows, a commit; `unmarked` is the
# marker's "not written yet" test.
fill_procedure() {
  echo "CREATE PROCEDURE fill(n INT) BEGIN
  DECLARE c BIGINT DEFAULT 0; DECLARE u BIGINT; DECLARE top BIGINT;
  SELECT MAX(id) INTO top FROM users;
  SET @zeroshift_backfill = 1;
  SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED;
  l: LOOP
    SET u = NULL;
    SELECT id INTO u FROM users WHERE id > c ORDER BY id LIMIT 1 OFFSET n;
    IF u IS NULL THEN SET u = top; END IF;
    START TRANSACTION;
    UPDATE users SET vn = (visits), zs_m = $2 WHERE id > c AND id <= u AND $1;
    COMMIT;
    IF u >= top THEN LEAVE l; END IF;
    SET c = u;
  END LOOP;
  SET @zeroshift_backfill = NULL; END"
}
NAMES="CONCAT(ELT(1 + seq % 16, 'Alice','Bob','Carol','Dave','Erin','Frank','Grace','Heidi','Ivan',
  'Judy','Mallory','Niaj','Olivia','Peggy','Rupert','Sybil'), ' ', ELT(1 + (seq DIV 16) % 16,
  'Smith','Jones','Brown','Lee','Garcia','Miller','Davis','Wilson','Moore','Taylor','Thomas',
  'Martin','Clark','Lewis','Walker','Young'))"
load() {
  "${M[@]}" -e "CREATE DATABASE $1; USE $1; CREATE TABLE users (id BIGINT NOT NULL AUTO_INCREMENT
    PRIMARY KEY, name VARCHAR(200) NOT NULL, visits INT NOT NULL DEFAULT 0) ENGINE=InnoDB;
    INSERT INTO users (id, name, visits) SELECT seq, $NAMES, seq % 1000 FROM seq_1_to_$ROWS"
}
step() {  # label database sql
  local began cpu0
  began=$(date +%s.%N)
  cpu0=$(cpu)
  "${M[@]}" --delimiter='//' "$2" -e "$3"
  printf '%-78s wall %6.1f s  CPU %5.2f s  load %s\n' "$1" \
    "$(echo "$(date +%s.%N) - $began" | bc)" "$(echo "$(cpu) - $cpu0" | bc)" \
    "$(cut -d' ' -f1 /proc/loadavg)"
}
quiet() { "${M[@]}" --delimiter='//' "$@" >/dev/null; }

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
quiet s4 -e "$(fill_procedure 'zs_m IS NULL' TRUE)"
step "vn added INSTANT: the backfill's shape (batches of 2 000, trigger, marker)" s4 "CALL fill(2000)"
quiet s5 -e "$(fill_procedure 'zs_m IS NULL' TRUE)"
step "vn added INSTANT: the same without the trigger" s5 "CALL fill(2000)"

step "vn added by a rebuild (FORCE, ALGORITHM=INPLACE, LOCK=NONE)" s6 \
  "ALTER TABLE users ADD COLUMN vn BIGINT NOT NULL DEFAULT 0, FORCE, ALGORITHM=INPLACE, LOCK=NONE"
step "rebuilt: one UPDATE of vn (rows keep their size)" s6 "UPDATE users SET vn = visits"
step "vn and a BOOLEAN NULL marker added by a rebuild" s7 \
  "ALTER TABLE users ADD COLUMN vn BIGINT NOT NULL DEFAULT 0, ADD COLUMN zs_m BOOLEAN NULL, FORCE, ALGORITHM=INPLACE, LOCK=NONE"
quiet s7 -e "$TRIGGER"
quiet s7 -e "$(fill_procedure 'zs_m IS NULL' TRUE)"
step "rebuilt: the backfill's shape (the marker grows from NULL)" s7 "CALL fill(2000)"
step "vn and a TINYINT NOT NULL DEFAULT 0 marker added by a rebuild" s8 \
  "ALTER TABLE users ADD COLUMN vn BIGINT NOT NULL DEFAULT 0, ADD COLUMN zs_m TINYINT NOT NULL DEFAULT 0, FORCE, ALGORITHM=INPLACE, LOCK=NONE"
quiet s8 -e "$TRIGGER"
quiet s8 -e "$(fill_procedure 'zs_m = 0' 1)"
step "rebuilt: the backfill's shape, marker 0 -> 1 (rows keep their size)" s8 "CALL fill(2000)"

# Every step must have written every row, or its time means nothing.
for db in s2 s3 s4 s5 s6 s7 s8; do
  wrong=$("${M[@]}" -N "$db" -e "SELECT COUNT(*) FROM users WHERE vn <> visits")
  [ "$wrong" = 0 ] || { echo "database $db: $wrong rows were not filled; the numbers above are void" >&2; exit 1; }
done
copied=$("${M[@]}" -N s1 -e "SELECT COUNT(*) FROM users_new")
[ "$copied" = "$ROWS" ] || { echo "database s1: the copy holds $copied of $ROWS rows" >&2; exit 1; }
echo "every step wrote every row"
