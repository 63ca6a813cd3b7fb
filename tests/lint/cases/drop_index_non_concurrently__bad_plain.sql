SET lock_timeout = '500ms';
SET statement_timeout = '5s';
DROP INDEX users_email_idx;
