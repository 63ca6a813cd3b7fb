SET lock_timeout = '500ms';
SET statement_timeout = '5s';
REINDEX INDEX users_email_idx;
