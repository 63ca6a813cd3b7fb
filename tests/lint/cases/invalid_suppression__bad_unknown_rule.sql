SET lock_timeout = '500ms';
SET statement_timeout = '5s';
-- zeroshift-lint-ignore drop-colum
ALTER TABLE users DROP COLUMN name;
