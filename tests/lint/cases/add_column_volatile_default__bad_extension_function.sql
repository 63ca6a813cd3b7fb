SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users ADD COLUMN token uuid DEFAULT uuid_generate_v4();
