SET lock_timeout = '500ms';
CREATE INDEX CONCURRENTLY users_name_idx ON users (name);
DROP INDEX CONCURRENTLY users_old_idx;
