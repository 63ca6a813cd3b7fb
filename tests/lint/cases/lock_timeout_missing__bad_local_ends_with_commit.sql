SET statement_timeout = '5s';
BEGIN;
SET LOCAL lock_timeout = '1s';
ALTER TABLE users ADD COLUMN a text;
COMMIT;
ALTER TABLE users ADD COLUMN b text;
