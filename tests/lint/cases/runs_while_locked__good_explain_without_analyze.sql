BEGIN;
SET LOCAL lock_timeout = '500ms';
SET LOCAL statement_timeout = '5s';
ALTER TABLE users ADD COLUMN first_name VARCHAR(100);
EXPLAIN UPDATE users SET first_name = split_part(name, ' ', 1);
EXPLAIN (ANALYZE false) UPDATE users SET first_name = split_part(name, ' ', 1);
EXPLAIN (ANALYZE off, COSTS) DELETE FROM users;
COMMIT;
