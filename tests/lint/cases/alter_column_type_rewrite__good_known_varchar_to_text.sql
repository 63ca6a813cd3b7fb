CREATE TABLE accounts (name varchar(50));
-- zs-case: next-file
SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE accounts ALTER COLUMN name TYPE text;
