CREATE TABLE accounts (at timestamp);
-- zs-case: next-file
SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE accounts ALTER COLUMN at TYPE timestamptz;
