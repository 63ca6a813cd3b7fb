-- lint-options: --pg-version 13
SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE measurements DETACH PARTITION measurements_2020;
