#!/bin/bash
# Issue 17's "fill the new column in the online rebuild itself": which ways of
# giving existing rows a value computed from another column MariaDB accepts
# online (ALGORITHM=INSTANT or INPLACE with LOCK=NONE), and what the rows hold
# afterwards. One throwaway mariadbd with figure 6's options; every statement
# is echoed with MariaDB's answer (--force: an error does not stop the run).
#
#   bench/mariadb_default_expr_probe.sh [ROWS]   # as root; default 100000
#
# Findings on MariaDB 10.11 are in bench/README.md section 6 ("Filling in the
# rebuild").
set -euo pipefail
ROWS=${1:-100000}
DIR=$(mktemp -d /tmp/zs-expr-probe.XXXXXX)
mkdir -p "$DIR/tmp"
chown -R mysql:mysql "$DIR"
mariadb-install-db --no-defaults --skip-test-db --auth-root-authentication-method=normal \
  --datadir="$DIR/data" --user=mysql >/dev/null 2>&1
mariadbd --no-defaults --user=mysql --datadir="$DIR/data" --socket="$DIR/sock" --skip-networking \
  --pid-file="$DIR/pid" --log-error="$DIR/err.log" --tmpdir="$DIR/tmp" \
  --innodb-buffer-pool-size=1G --innodb-log-file-size=1G --innodb-flush-log-at-trx-commit=1 \
  --server-id=1 "--log-bin=$DIR/data/zs-bin" --innodb-doublewrite=0 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 120); do mariadb -S "$DIR/sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.5; done
mariadb -S "$DIR/sock" -uroot --force -t -vvv <<SQL 2>&1 | grep -v '^\(Bye\|--------------\)$'
CREATE DATABASE p; USE p;
CREATE TABLE users (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(200) NOT NULL,
  visits INT NOT NULL DEFAULT 0) ENGINE=InnoDB;
INSERT INTO users (id, name, visits) SELECT seq, CONCAT('n ', seq), seq % 1000 FROM seq_1_to_$ROWS;
SELECT @@version, @@sql_mode;
-- 1 INSTANT with an expression default
ALTER TABLE users ADD COLUMN t BIGINT NOT NULL DEFAULT (visits), ALGORITHM=INSTANT;
-- 2 INPLACE LOCK=NONE
ALTER TABLE users ADD COLUMN t BIGINT NOT NULL DEFAULT (visits), ALGORITHM=INPLACE, LOCK=NONE;
SELECT COUNT(*) AS wrong FROM users WHERE t <> visits;
-- 3 LOCK=SHARED
ALTER TABLE users ADD COLUMN t2 BIGINT NOT NULL DEFAULT (visits), ALGORITHM=INPLACE, LOCK=SHARED;
SELECT COUNT(*) AS wrong2 FROM users WHERE t2 <> visits;
ALTER TABLE users DROP COLUMN t2, ALGORITHM=INSTANT;
-- 4 nullable INSTANT then MODIFY NOT NULL DEFAULT(expr) + FORCE
ALTER TABLE users ADD COLUMN t3 BIGINT NULL, ALGORITHM=INSTANT;
ALTER TABLE users MODIFY COLUMN t3 BIGINT NOT NULL DEFAULT (visits), FORCE, ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE users MODIFY COLUMN t3 BIGINT NULL DEFAULT (visits), FORCE, ALGORITHM=INPLACE, LOCK=NONE;
SELECT COUNT(*) AS t3_null, SUM(t3 = visits) AS t3_eq FROM users;
ALTER TABLE users DROP COLUMN t3, ALGORITHM=INSTANT;
-- 5 drop and re-add one name in one ALTER
ALTER TABLE users ADD COLUMN t4 BIGINT NOT NULL DEFAULT 0, ALGORITHM=INSTANT;
ALTER TABLE users DROP COLUMN t4, ADD COLUMN t4 BIGINT NOT NULL DEFAULT (visits), ALGORITHM=INPLACE, LOCK=NONE;
SELECT COUNT(*) AS wrong4 FROM users WHERE t4 <> visits;
-- 6 drop the default instantly
ALTER TABLE users ALTER COLUMN t DROP DEFAULT, ALGORITHM=INSTANT;
ALTER TABLE users ALTER COLUMN t SET DEFAULT 0, ALGORITHM=INSTANT;
SHOW CREATE TABLE users\G
-- 7 a trigger naming a column that does not exist
CREATE TRIGGER tr_missing BEFORE UPDATE ON users FOR EACH ROW SET NEW.nosuch = NEW.visits;
UPDATE users SET visits = visits + 1 WHERE id = 1;
DROP TRIGGER IF EXISTS tr_missing;
-- 8 non-deterministic / subquery / variable defaults
ALTER TABLE users ADD COLUMN t5 BIGINT NOT NULL DEFAULT (RAND()*visits), ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE users ADD COLUMN t5 BIGINT NOT NULL DEFAULT ((SELECT 1)), ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE users ADD COLUMN t5 BIGINT NOT NULL DEFAULT (@x), ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE users ADD COLUMN t5 VARCHAR(200) NULL DEFAULT (SUBSTRING_INDEX(name, ' ', 1)), ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE users ADD COLUMN t6 BIGINT NOT NULL DEFAULT (id), ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE users ADD COLUMN t7 BIGINT NOT NULL DEFAULT (visits), ADD COLUMN t8 BIGINT NOT NULL DEFAULT (t7+1), ALGORITHM=INPLACE, LOCK=NONE;
-- 9 generated columns as the filler
ALTER TABLE users ADD COLUMN g BIGINT AS (visits) STORED, ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE users ADD COLUMN g BIGINT AS (visits) VIRTUAL, ALGORITHM=INSTANT;
ALTER TABLE users MODIFY COLUMN g BIGINT NOT NULL DEFAULT 0, ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE users MODIFY COLUMN g BIGINT NOT NULL DEFAULT 0, ALGORITHM=COPY, LOCK=SHARED;
SELECT COUNT(*) AS g_wrong FROM users WHERE g <> visits;
-- 10 what COPY does with the expression default (writes blocked meanwhile)
ALTER TABLE users ADD COLUMN t9 BIGINT NOT NULL DEFAULT (visits), ALGORITHM=COPY, LOCK=NONE;
ALTER TABLE users ADD COLUMN t9 BIGINT NOT NULL DEFAULT (visits), ALGORITHM=COPY, LOCK=SHARED;
SELECT COUNT(*) AS t9_wrong FROM users WHERE t9 <> visits;
-- 11 a NULL from the expression into NOT NULL
ALTER TABLE users ADD COLUMN t10 BIGINT NOT NULL DEFAULT (NULLIF(visits, 5)), ALGORITHM=COPY, LOCK=SHARED;
SQL
