SET lock_timeout = '500ms';
SET statement_timeout = '5s';
DROP VIEW IF EXISTS active_users;
