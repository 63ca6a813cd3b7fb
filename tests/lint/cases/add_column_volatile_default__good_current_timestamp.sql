SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users ADD COLUMN updated_at timestamp DEFAULT CURRENT_TIMESTAMP;
