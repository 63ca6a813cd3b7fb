SET lock_timeout = '500ms';
LOCK TABLE users IN SHARE MODE;
