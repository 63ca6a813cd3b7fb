CREATE TABLE accounts (id int PRIMARY KEY, balance numeric(10,2), name varchar(50), at timestamp);
-- zs-case: next-file
SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE accounts ALTER COLUMN id TYPE bigint;
