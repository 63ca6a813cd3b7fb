SET lock_timeout = '500ms';
SET statement_timeout = '5s';
CREATE INDEX users_email_idx ON users (email);
