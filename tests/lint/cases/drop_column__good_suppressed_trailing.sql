SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users DROP COLUMN name; -- zeroshift-lint-ignore drop-column
