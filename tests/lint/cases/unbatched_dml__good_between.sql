SET lock_timeout = '500ms';
SET statement_timeout = '5s';
UPDATE users SET email = lower(email) WHERE id BETWEEN 1 AND 1000;
