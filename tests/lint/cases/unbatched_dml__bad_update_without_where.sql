SET lock_timeout = '500ms';
SET statement_timeout = '5s';
UPDATE users SET email = lower(email);
