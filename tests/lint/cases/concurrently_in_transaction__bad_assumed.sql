-- lint-options: --assume-in-transaction
SET lock_timeout = '500ms';
DROP INDEX CONCURRENTLY users_email_idx;
