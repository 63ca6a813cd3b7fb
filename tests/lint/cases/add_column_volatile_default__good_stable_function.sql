SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users ADD COLUMN month text DEFAULT to_char(now(), 'YYYY-MM');
