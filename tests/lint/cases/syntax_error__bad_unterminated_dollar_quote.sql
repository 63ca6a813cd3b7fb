SET lock_timeout = '500ms';
SET statement_timeout = '5s';
DO $body$ BEGIN PERFORM 1;
ALTER TABLE users DROP COLUMN name;
