SET lock_timeout = '500ms';
BEGIN;
COMMIT;
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
