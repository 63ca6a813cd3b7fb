SET lock_timeout = 0;
SET statement_timeout = '5s';
ALTER TABLE users DROP COLUMN nickname;
