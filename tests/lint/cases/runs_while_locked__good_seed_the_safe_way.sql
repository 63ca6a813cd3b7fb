SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users ADD COLUMN first_name text;
ALTER TABLE users ADD COLUMN last_name text;
UPDATE users SET first_name = split_part(name, ' ', 1), last_name = split_part(name, ' ', 2)
 WHERE id IN (SELECT id FROM users WHERE id > 0 AND first_name IS NULL ORDER BY id LIMIT 1000);
