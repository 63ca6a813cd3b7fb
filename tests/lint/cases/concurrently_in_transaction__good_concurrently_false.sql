-- lint-options: --assume-in-transaction --pg-version 14
SET LOCAL lock_timeout = '500ms';
SET LOCAL statement_timeout = '5s';
REINDEX (CONCURRENTLY false) TABLE users;
