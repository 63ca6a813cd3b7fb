SET lock_timeout = '500ms';
SET statement_timeout = '5s';
BEGIN;
ALTER TABLE users ADD COLUMN a text;
COMMIT;
UPDATE users SET a = 'x' WHERE id = 1;
