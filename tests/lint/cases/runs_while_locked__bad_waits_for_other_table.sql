SET lock_timeout = '500ms';
SET statement_timeout = '5s';
BEGIN;
ALTER TABLE users ADD COLUMN a int;
ALTER TABLE orders ADD COLUMN b int;
COMMIT;
