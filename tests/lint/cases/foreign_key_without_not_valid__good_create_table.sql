SET lock_timeout = '500ms';
SET statement_timeout = '5s';
CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id));
