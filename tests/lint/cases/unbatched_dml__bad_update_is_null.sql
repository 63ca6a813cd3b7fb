SET lock_timeout = '500ms';
SET statement_timeout = '5s';
UPDATE users SET country = 'NL' WHERE country IS NULL;
