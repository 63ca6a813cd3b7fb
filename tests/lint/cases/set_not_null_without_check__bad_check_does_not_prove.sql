SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users ADD CONSTRAINT users_email_or_phone CHECK (email IS NOT NULL OR phone IS NOT NULL) NOT VALID;
ALTER TABLE users ADD CONSTRAINT users_name_nn CHECK (name IS NOT NULL) NOT VALID;
-- zs-case: next-file
SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users VALIDATE CONSTRAINT users_email_or_phone;
ALTER TABLE users DROP CONSTRAINT users_name_nn;
ALTER TABLE users VALIDATE CONSTRAINT users_name_nn;
-- zs-case: next-file
SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
ALTER TABLE users ALTER COLUMN name SET NOT NULL;
