SET lock_timeout = '500ms';
SET statement_timeout = '5s';
-- zeroshift-lint-ignore drop-column -- nobody reads it since v3
ALTER TABLE users DROP COLUMN name;
