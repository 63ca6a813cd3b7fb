SET lock_timeout = '500ms';
SET statement_timeout = '5s';
-- ünïcödé comment
SELECT 'ß'; CREATE INDEX straße_idx ON users (straße);
