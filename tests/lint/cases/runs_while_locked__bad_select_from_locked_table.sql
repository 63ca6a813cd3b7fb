SET lock_timeout = '500ms';
SET statement_timeout = '5s';
BEGIN;
ALTER TABLE users DROP COLUMN legacy;
SELECT count(*) FROM users;
COMMIT;
