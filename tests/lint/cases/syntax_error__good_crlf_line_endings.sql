SET lock_timeout = '500ms';
SET statement_timeout = '5s';
CREATE INDEX CONCURRENTLY a_idx ON users (a);
