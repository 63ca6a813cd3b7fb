SET lock_timeout = '500ms';
SET statement_timeout = '5s';
BEGIN;
ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;
SELECT count(*) FROM users;
COMMIT;
