SET lock_timeout = '500ms';
SET statement_timeout = '5s';
RESET lock_timeout;
ALTER TABLE users ADD COLUMN nickname text;
