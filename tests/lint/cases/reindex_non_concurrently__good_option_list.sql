-- lint-options: --pg-version 14
SET lock_timeout = '500ms';
REINDEX (CONCURRENTLY, VERBOSE) TABLE users;
