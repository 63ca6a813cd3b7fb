-- lint-options: --pg-version 14
SET lock_timeout = '500ms';
SET statement_timeout = '5s';
REINDEX (CONCURRENTLY false) TABLE users;
REINDEX (CONCURRENTLY off, VERBOSE) INDEX users_email_idx;
REINDEX (CONCURRENTLY 0) TABLE orders;
REINDEX (CONCURRENTLY 'FALSE') TABLE accounts;
