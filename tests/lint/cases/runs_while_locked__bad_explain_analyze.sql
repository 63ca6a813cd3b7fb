BEGIN;
SET LOCAL lock_timeout = '500ms';
SET LOCAL statement_timeout = '5s';
ALTER TABLE users ADD COLUMN first_name VARCHAR(100);
EXPLAIN (ANALYZE) UPDATE users SET first_name = split_part(name, ' ', 1);
EXPLAIN (ANALYZE true, BUFFERS) DELETE FROM users WHERE name IS NULL;
COMMIT;
