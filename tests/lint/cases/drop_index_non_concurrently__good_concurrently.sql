SET lock_timeout = '500ms';
DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;
