SET lock_timeout = '1min';
SET statement_timeout = 30000;
