/* zeroshift-lint-ignore-file drop-table */
SET lock_timeout = '500ms';
SET statement_timeout = '5s';
DROP TABLE a;
DROP TABLE b;
