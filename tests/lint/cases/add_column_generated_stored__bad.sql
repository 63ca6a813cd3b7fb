SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (quantity * price_cents) STORED;
