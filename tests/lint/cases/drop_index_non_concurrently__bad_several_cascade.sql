SET lock_timeout = '500ms';
SET statement_timeout = '5s';
DROP INDEX IF EXISTS a_idx, b_idx CASCADE;
