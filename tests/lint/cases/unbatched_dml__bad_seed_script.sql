ALTER TABLE users ADD COLUMN first_name VARCHAR(100);
ALTER TABLE users ADD COLUMN last_name VARCHAR(100);
UPDATE users SET first_name = split_part(name, ' ', 1);
UPDATE users SET last_name = split_part(name, ' ', 2);
ALTER TABLE users DROP COLUMN name;
