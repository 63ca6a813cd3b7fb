SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE orders ADD COLUMN discount numeric CHECK (discount BETWEEN 0 AND 1);
