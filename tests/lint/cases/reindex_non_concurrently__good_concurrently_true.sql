-- lint-options: --pg-version 14
SET lock_timeout = '500ms';
REINDEX (CONCURRENTLY true) TABLE users;
REINDEX (CONCURRENTLY on) TABLE orders;
REINDEX (CONCURRENTLY 1) TABLE accounts;
