SET statement_timeout = '5s';
SET lock_timeout = '5s';
