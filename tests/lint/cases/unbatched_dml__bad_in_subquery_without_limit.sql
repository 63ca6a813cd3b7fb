SET lock_timeout = '500ms';
SET statement_timeout = '5s';
DELETE FROM orders WHERE user_id IN (SELECT id FROM users WHERE banned);
