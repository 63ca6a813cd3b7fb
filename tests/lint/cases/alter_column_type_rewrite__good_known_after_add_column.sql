SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users ADD COLUMN nick varchar(20);
-- zs-case: next-file
SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users ALTER COLUMN nick TYPE varchar(40);
