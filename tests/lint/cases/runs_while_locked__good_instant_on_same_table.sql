SET lock_timeout = '500ms';
SET statement_timeout = '5s';
BEGIN;
ALTER TABLE users ADD COLUMN a text;
ALTER TABLE users ADD COLUMN b text;
COMMENT ON COLUMN users.a IS 'a';
COMMIT;
