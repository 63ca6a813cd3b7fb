SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER DOMAIN positive_int ADD CONSTRAINT positive CHECK (VALUE > 0);
