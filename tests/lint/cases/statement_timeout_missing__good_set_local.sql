BEGIN;
SET LOCAL statement_timeout TO '2min';
SET LOCAL lock_timeout TO 1000;
ALTER TABLE users ALTER COLUMN name DROP DEFAULT;
COMMIT;
