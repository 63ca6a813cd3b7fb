SET lock_timeout = '500ms';
SET statement_timeout = '5s';
CLUSTER users USING users_pkey;
