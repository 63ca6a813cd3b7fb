CREATE TABLE accounts (
  id bigint PRIMARY KEY,
  email text CONSTRAINT accounts_email_nn CHECK (email IS NOT NULL),
  name text,
  CONSTRAINT accounts_name_nn CHECK (name IS NOT NULL AND length(name) > 0)
);
ALTER TABLE accounts ADD COLUMN plan text CONSTRAINT accounts_plan_nn CHECK (plan <> '');
-- zs-case: next-file
SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;
ALTER TABLE accounts ALTER COLUMN name SET NOT NULL;
ALTER TABLE accounts ALTER COLUMN plan SET NOT NULL;
