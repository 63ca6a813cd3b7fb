CREATE TABLE accounts (balance numeric(10,2));
-- zs-case: next-file
SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE accounts ALTER COLUMN balance TYPE numeric;
