SET lock_timeout = '500ms';
SET statement_timeout = '5s';
CREATE UNIQUE INDEX IF NOT EXISTS users_email_key ON users USING btree (lower(email));
