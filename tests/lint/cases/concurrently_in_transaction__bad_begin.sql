SET lock_timeout = '500ms';
BEGIN;
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
COMMIT;
