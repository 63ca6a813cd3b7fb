SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
