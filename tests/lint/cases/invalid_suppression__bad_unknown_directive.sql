SET lock_timeout = '500ms';
SET statement_timeout = '5s';
-- zeroshift-lint-disable drop-column
ALTER TABLE users DROP COLUMN name;
