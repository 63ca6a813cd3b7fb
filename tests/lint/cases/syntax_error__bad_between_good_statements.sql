SET lock_timeout = '500ms';
SET statement_timeout = '5s';
CREATE INDEX CONCURRENTLY a_idx ON users (a);
ALTER TABLE users ADD COLUMN;
CREATE INDEX CONCURRENTLY b_idx ON users (b);
