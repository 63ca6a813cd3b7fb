SET lock_timeout = '500ms';
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
