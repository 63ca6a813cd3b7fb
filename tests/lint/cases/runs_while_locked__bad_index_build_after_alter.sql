-- lint-options: --assume-in-transaction
SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users ADD COLUMN handle text;
CREATE UNIQUE INDEX users_handle_key ON users (handle);
