SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE orders ADD COLUMN total_cents bigint;
