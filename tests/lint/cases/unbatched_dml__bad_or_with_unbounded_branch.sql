SET lock_timeout = '500ms';
SET statement_timeout = '5s';
UPDATE users SET flag = true WHERE id = 1 OR name LIKE 'a%';
