SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;
-- zs-case: next-file
SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users RENAME CONSTRAINT users_email_nn TO users_mail_nn;
ALTER TABLE users RENAME COLUMN email TO mail;
ALTER TABLE users RENAME TO members;
-- zs-case: next-file
SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE members VALIDATE CONSTRAINT users_mail_nn;
-- zs-case: next-file
SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE members ALTER COLUMN mail SET NOT NULL;
