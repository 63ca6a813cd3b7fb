# shellcheck shell=bash
# Sourced by bench/mariadb_fill_ab.sh and bench/mariadb_fill_steps.sh: one
# throwaway mariadbd with figure 6's options (bench/mariadb_zeroshift.cc,
# Figure6ServerOptions), the lab's users table, and the backfill's shapes in SQL.
# Needs root (the server runs as mysql). Sets DIR, ARGS, M, PID, TICK and
# SERVER; the server stops and DIR goes when the script exits.

# mariadb_start NAME: a data directory /tmp/zs-NAME.XXXXXX, the server on its
# socket, and the client command line in M.
mariadb_start() {
  DIR=$(mktemp -d "/tmp/zs-$1.XXXXXX")
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
}

# mariadbd's CPU seconds so far (user + system, /proc/<pid>/stat).
cpu() { awk -v tick="$TICK" '{ sub(/.*\) /, ""); print ($12 + $13) / tick }' "/proc/$PID/stat"; }

# The dual-write trigger's shape (src/triggers/mariadb_dual_write.cc): the
# backfill's session leaves at the first test.
# shellcheck disable=SC2034  # used by the scripts that source this
TRIGGER="CREATE TRIGGER zs_u BEFORE UPDATE ON users FOR EACH ROW zs: BEGIN
  DECLARE v BOOLEAN DEFAULT FALSE;
  IF @zeroshift_backfill <=> 1 THEN LEAVE zs; END IF;
  SET v = COALESCE(@zeroshift_version = 'x', FALSE);
  IF NOT v THEN SET NEW.vn = (SELECT (visits) FROM (SELECT NEW.visits AS visits) AS zs_row); END IF;
  SET NEW.zs_m = NOT v; END"

# The backfill's batch (src/backfill/mariadb_batch.cc): the upper bound, one
# UPDATE of the key range skipping rows written through the trigger, a commit.
# $1: the skip test (the marker's "not written yet"), $2: the SET list.
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
    UPDATE users SET $2 WHERE id > c AND id <= u AND $1;
    COMMIT;
    IF u >= top THEN LEAVE l; END IF;
    SET c = u;
  END LOOP;
  SET @zeroshift_backfill = NULL; END"
}

# load DATABASE: the lab's users table with ROWS rows.
NAMES="CONCAT(ELT(1 + seq % 16, 'Alice','Bob','Carol','Dave','Erin','Frank','Grace','Heidi','Ivan',
  'Judy','Mallory','Niaj','Olivia','Peggy','Rupert','Sybil'), ' ', ELT(1 + (seq DIV 16) % 16,
  'Smith','Jones','Brown','Lee','Garcia','Miller','Davis','Wilson','Moore','Taylor','Thomas',
  'Martin','Clark','Lewis','Walker','Young'))"
load() {
  "${M[@]}" -e "CREATE DATABASE $1; USE $1; CREATE TABLE users (id BIGINT NOT NULL AUTO_INCREMENT
    PRIMARY KEY, name VARCHAR(200) NOT NULL, visits INT NOT NULL DEFAULT 0) ENGINE=InnoDB;
    INSERT INTO users (id, name, visits) SELECT seq, $NAMES, seq % 1000 FROM seq_1_to_$ROWS"
}

# quiet DATABASE -e SQL: run SQL (// ends a statement), no output.
quiet() { "${M[@]}" --delimiter='//' "$@" >/dev/null; }
