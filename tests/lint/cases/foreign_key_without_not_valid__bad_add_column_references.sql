SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);
