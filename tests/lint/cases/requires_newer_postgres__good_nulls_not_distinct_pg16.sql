-- lint-options: --pg-version 16
SET lock_timeout = '500ms';
CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email) NULLS NOT DISTINCT;
