#!/bin/bash
# The MariaDB backfill's candidate shapes (issue 17's total), taken apart in SQL
# on one throwaway mariadbd with figure 6's options, no clients, as
# bench/mariadb_fill_ab.sh does for the causes: per step the wall time,
# mariadbd's CPU seconds (/proc/<pid>/stat) and the binary log it wrote.
#
#   sudo bench/mariadb_fill_steps.sh [ROWS] [STEPS]   # default 1000000, all steps
#
# STEPS: a space-separated subset of the step names below (run in that order;
# `rebuildN` and `rebuild_nolocalN`, N a digit, repeat a step for an interleaved A/B);
# `cli*` runs `zeroshift init`, `zeroshift start examples/mariadb/04_widen_visits.yaml`
# and `complete` with ZS_BIN (default build/zeroshift); `cli_a*` with ZS_BIN_A and
# `cli_b*` with ZS_BIN_B instead, for an interleaved A/B of two builds
# (STEPS="cli_a1 cli_b1 cli_a2 cli_b2").
# Each step runs on its own copy of the lab's users table, widening `visits`
# into `vn` through the dual-write trigger's shape.
set -euo pipefail
ROWS=${1:-1000000}
STEPS=${2:-"instant rebuild_marked rebuild rebuild_big rebuild_limit rebuild_notrig rebuild_empty rebuild_nodecl split_instant split_rebuild"}
# shellcheck source=bench/lib/mariadb_fill.sh
source "$(dirname "$0")/lib/mariadb_fill.sh"
mariadb_start fill-steps
binlog() { "${M[@]}" -N -e "SHOW BINARY LOGS" | awk '{ s += $2 } END { print s }'; }

# Two cheaper candidates for the dual-write trigger ($TRIGGER, bench/lib).
TRIGGER_NODECL="CREATE TRIGGER zs_u BEFORE UPDATE ON users FOR EACH ROW zs: BEGIN
  IF @zeroshift_backfill <=> 1 THEN LEAVE zs; END IF;
  inner_block: BEGIN
  DECLARE v BOOLEAN DEFAULT FALSE;
  SET v = COALESCE(@zeroshift_version = 'x', FALSE);
  IF NOT v THEN SET NEW.vn = (SELECT (visits) FROM (SELECT NEW.visits AS visits) AS zs_row); END IF;
  SET NEW.zs_m = NOT v; END; END"
TRIGGER_EMPTY="CREATE TRIGGER zs_u BEFORE UPDATE ON users FOR EACH ROW BEGIN END"
# No local variable anywhere in the body: the marker field of NEW holds what
# the local held (NOT "is the new version"), so a firing allocates no
# run-time variables (MariaDB builds them for the whole body, nested blocks
# included, before the first statement).
TRIGGER_NOLOCAL="CREATE TRIGGER zs_u BEFORE UPDATE ON users FOR EACH ROW zs: BEGIN
  IF @zeroshift_backfill <=> 1 THEN LEAVE zs; END IF;
  SET NEW.zs_m = NOT COALESCE(@zeroshift_version = 'x', FALSE);
  IF NEW.zs_m THEN SET NEW.vn = (SELECT (visits) FROM (SELECT NEW.visits AS visits) AS zs_row); END IF;
  END"
# Only the step-aside test, nothing declared: the floor of a trigger that tests.
TRIGGER_TESTONLY="CREATE TRIGGER zs_u BEFORE UPDATE ON users FOR EACH ROW zs: BEGIN
  IF @zeroshift_backfill <=> 1 THEN LEAVE zs; END IF; END"
# The same test without the labelled block: the body is one IF statement.
TRIGGER_IFONLY="CREATE TRIGGER zs_u BEFORE UPDATE ON users FOR EACH ROW
  IF NOT (@zeroshift_backfill <=> 1) THEN SET NEW.zs_m = TRUE; END IF"

# One statement per batch: UPDATE ... ORDER BY key LIMIT n, the last key read
# back from a user variable the SET list assigns.
fill_limit_procedure() {
  echo "CREATE PROCEDURE fill(n INT) BEGIN
  DECLARE c BIGINT DEFAULT 0;
  SET @zeroshift_backfill = 1;
  SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED;
  l: LOOP
    SET @zs_last = NULL;
    START TRANSACTION;
    UPDATE users SET $2 WHERE id > c AND $1 ORDER BY id LIMIT n;
    COMMIT;
    IF @zs_last IS NULL THEN LEAVE l; END IF;
    SET c = @zs_last;
  END LOOP;
  SET @zeroshift_backfill = NULL; END"
}
TOTAL_CPU=0
step() {  # label database sql
  local began cpu0 log0 spent
  began=$(date +%s.%N)
  cpu0=$(cpu)
  log0=$(binlog)
  "${M[@]}" --delimiter='//' "$2" -e "$3"
  spent=$(echo "$(cpu) - $cpu0" | bc)
  TOTAL_CPU=$(echo "$TOTAL_CPU + $spent" | bc)
  printf '  %-66s wall %6.1f s  CPU %5.2f s  binlog %5d kB  load %s\n' "$1" \
    "$(echo "$(date +%s.%N) - $began" | bc)" "$spent" "$((($(binlog) - log0) / 1024))" \
    "$(cut -d' ' -f1 /proc/loadavg)"
}
# timed LABEL LOG COMMAND...: COMMAND with its output in LOG (shown, and the
# script ends, if it fails); its wall time and mariadbd's CPU, which counts
# into the side's total.
timed() {
  local label=$1 log=$2 began cpu0 spent
  shift 2
  began=$(date +%s.%N)
  cpu0=$(cpu)
  "$@" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  spent=$(echo "$(cpu) - $cpu0" | bc)
  TOTAL_CPU=$(echo "$TOTAL_CPU + $spent" | bc)
  printf '  %-66s wall %6.1f s  CPU %5.2f s  load %s\n' "$label" \
    "$(echo "$(date +%s.%N) - $began" | bc)" "$spent" "$(cut -d' ' -f1 /proc/loadavg)"
}
begin_side() { TOTAL_CPU=0; echo "$1"; load "$2"; }
end_side() { printf '  %-66s CPU %5.2f s\n' "total" "$TOTAL_CPU"; }

INSTANT_ADD="ADD COLUMN vn BIGINT NOT NULL DEFAULT 0, ADD COLUMN zs_m BOOLEAN NULL"
REBUILD="ALTER TABLE users FORCE, ALGORITHM=INPLACE, LOCK=NONE"
MARKED="vn = (visits), zs_m = TRUE"
UNMARKED="vn = (visits)"
echo "$ROWS rows; mariadbd ${ARGS[*]}"
for s in $STEPS; do
  case $s in
  instant)  # today's shape: columns and marker INSTANT, the batch sets the marker
    begin_side "$s: INSTANT columns, trigger, batches of 2 000 set vn and the marker" $s
    step "ADD COLUMN vn, zs_m INSTANT" $s "ALTER TABLE users $INSTANT_ADD, ALGORITHM=INSTANT"
    quiet $s -e "$TRIGGER"; quiet $s -e "$(fill_procedure 'zs_m IS NULL' "$MARKED")"
    step "fill(2000)" $s "CALL fill(2000)"; end_side ;;
  rebuild_marked)  # rebuilt first, the batch still sets the marker (the row grows)
    begin_side "$s: INSTANT columns, rebuild, batches of 2 000 set vn and the marker" $s
    step "ADD COLUMN vn, zs_m INSTANT" $s "ALTER TABLE users $INSTANT_ADD, ALGORITHM=INSTANT"
    quiet $s -e "$TRIGGER"
    step "rebuild (FORCE, INPLACE, LOCK=NONE)" $s "$REBUILD"
    quiet $s -e "$(fill_procedure 'zs_m IS NULL' "$MARKED")"
    step "fill(2000)" $s "CALL fill(2000)"; end_side ;;
  rebuild|rebuild_big|rebuild_notrig|rebuild_empty|rebuild_nodecl|rebuild_nolocal|rebuild_testonly|rebuild_ifonly|rebuild[0-9]*|rebuild_nolocal[0-9]*)
    n=2000; trig="$TRIGGER"
    case $s in rebuild_nolocal*) trig="$TRIGGER_NOLOCAL" ;; esac
    [ $s = rebuild_testonly ] && trig="$TRIGGER_TESTONLY"
    [ $s = rebuild_ifonly ] && trig="$TRIGGER_IFONLY"
    [ $s = rebuild_big ] && n=20000
    [ $s = rebuild_empty ] && trig="$TRIGGER_EMPTY"
    [ $s = rebuild_nodecl ] && trig="$TRIGGER_NODECL"
    begin_side "$s: INSTANT columns, rebuild, batches of $n set vn only (marker stays NULL)" $s
    step "ADD COLUMN vn, zs_m INSTANT" $s "ALTER TABLE users $INSTANT_ADD, ALGORITHM=INSTANT"
    [ $s = rebuild_notrig ] || quiet $s -e "$trig"
    step "rebuild (FORCE, INPLACE, LOCK=NONE)" $s "$REBUILD"
    quiet $s -e "$(fill_procedure 'zs_m IS NULL' "$UNMARKED")"
    step "fill($n)" $s "CALL fill($n)"; end_side ;;
  rebuild_limit)
    begin_side "$s: rebuild, one UPDATE ... ORDER BY id LIMIT 2000 per batch, vn only" $s
    step "ADD COLUMN vn, zs_m INSTANT" $s "ALTER TABLE users $INSTANT_ADD, ALGORITHM=INSTANT"
    quiet $s -e "$TRIGGER"
    step "rebuild (FORCE, INPLACE, LOCK=NONE)" $s "$REBUILD"
    quiet $s -e "$(fill_limit_procedure 'zs_m IS NULL' "vn = IF((@zs_last := id) IS NULL, NULL, (visits))")"
    step "fill(2000), LIMIT form" $s "CALL fill(2000)"; end_side ;;
  split_instant|split_rebuild)
    begin_side "$s: the split's two VARCHAR NULL columns, trigger, batches of 2 000" $s
    step "ADD COLUMN first_name, last_name, zs_m INSTANT" $s "ALTER TABLE users ADD COLUMN
      first_name VARCHAR(200) NULL, ADD COLUMN last_name VARCHAR(200) NULL, ADD COLUMN zs_m BOOLEAN NULL,
      ALGORITHM=INSTANT"
    quiet $s -e "CREATE TRIGGER zs_u BEFORE UPDATE ON users FOR EACH ROW zs: BEGIN
      IF @zeroshift_backfill <=> 1 THEN LEAVE zs; END IF; SET NEW.zs_m = TRUE; END"
    set="first_name = (SUBSTRING_INDEX(name, ' ', 1)), last_name = (SUBSTRING_INDEX(name, ' ', -1))"
    if [ $s = split_rebuild ]; then
      step "rebuild (FORCE, INPLACE, LOCK=NONE)" $s "$REBUILD"
    else
      set="$set, zs_m = TRUE"
    fi
    quiet $s -e "$(fill_procedure 'zs_m IS NULL' "$set")"
    step "fill(2000)" $s "CALL fill(2000)"; end_side ;;
  cli|cli_*)
    bin=${ZS_BIN:-build/zeroshift}
    case $s in cli_a*) bin=$ZS_BIN_A ;; cli_b*) bin=$ZS_BIN_B ;; esac
    begin_side "$s: zeroshift start of 04_widen_visits.yaml ($bin), then complete" $s
    url="mariadb://root@localhost/$s?socket=$DIR/sock"
    "$bin" --url "$url" --quiet init --no-baseline-version >/dev/null
    timed "zeroshift start" "$DIR/$s.log" "$bin" --url "$url" start examples/mariadb/04_widen_visits.yaml
    grep -E "rebuild|warning|rows/s" "$DIR/$s.log" | sed 's/^/    | /' | tail -4 || true
    timed "zeroshift complete" "$DIR/$s.complete.log" "$bin" --url "$url" --quiet complete
    end_side ;;
  ptosc*)  # the peer, the same command as figure 6's (bench/README.md §6), on this server
    begin_side "$s: pt-online-schema-change widening visits to BIGINT" $s
    timed "pt-online-schema-change" "$DIR/$s.log" \
      pt-online-schema-change --alter "MODIFY COLUMN visits BIGINT NOT NULL DEFAULT 0" --execute \
      --recursion-method=none --chunk-time=0.5 "D=$s,t=users,u=root,S=$DIR/sock"
    end_side ;;
  *) echo "unknown step $s" >&2; exit 2 ;;
  esac
  # Every step must have written every row, or its time means nothing.
  case $s in
  split_*) wrong=$("${M[@]}" -N $s -e "SELECT COUNT(*) FROM users WHERE first_name IS NULL OR last_name IS NULL") ;;
  cli*|ptosc*) wrong=$("${M[@]}" -N $s -e "SELECT COUNT(*) + (SELECT COUNT(*) FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = '$s' AND TABLE_NAME = 'users' AND COLUMN_NAME = 'visits' AND DATA_TYPE <> 'bigint')
      FROM users WHERE visits <> id % 1000") ;;
  *) wrong=$("${M[@]}" -N $s -e "SELECT COUNT(*) FROM users WHERE vn <> visits") ;;
  esac
  [ "$wrong" = 0 ] || { echo "$s: $wrong rows were not filled; its numbers are void" >&2; exit 1; }
  "${M[@]}" -e "DROP DATABASE $s"
done
echo "every step wrote every row"
