SET lock_timeout = '500ms';
SET statement_timeout = '5s';
-- zeroshift-lint-ignore rename-column
ALTER TABLE users RENAME COLUMN a TO b;
ALTER TABLE users RENAME COLUMN c TO d;
