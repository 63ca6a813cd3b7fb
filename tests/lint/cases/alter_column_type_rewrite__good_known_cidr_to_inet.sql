CREATE TABLE hosts (net cidr);
-- zs-case: next-file
SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE hosts ALTER COLUMN net TYPE inet;
