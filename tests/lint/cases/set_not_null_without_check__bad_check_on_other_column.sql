SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users ADD CONSTRAINT users_name_nn CHECK (name IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_name_nn;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
