SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
