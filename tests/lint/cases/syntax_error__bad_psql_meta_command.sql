SET lock_timeout = '500ms';
SET statement_timeout = '5s';
\set ON_ERROR_STOP on
CREATE INDEX CONCURRENTLY a_idx ON users (a);
