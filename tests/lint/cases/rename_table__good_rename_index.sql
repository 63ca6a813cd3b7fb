SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER INDEX users_email_idx RENAME TO users_email_key;
