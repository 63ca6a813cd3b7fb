SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users ALTER COLUMN external_id TYPE uuid USING external_id::uuid;
