SET lock_timeout = '500ms';
SET statement_timeout = '5s';
DELETE FROM users WHERE id IN (1, 2, 3);
