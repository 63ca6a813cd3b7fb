SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users ADD COLUMN a text;
UPDATE users SET a = 'x' WHERE id = 1;
