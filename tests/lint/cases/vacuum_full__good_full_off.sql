SET lock_timeout = '500ms';
SET statement_timeout = '5s';
VACUUM (FULL off) users;
VACUUM (FULL 0, ANALYZE) orders;
VACUUM (FULL 'False') accounts;
