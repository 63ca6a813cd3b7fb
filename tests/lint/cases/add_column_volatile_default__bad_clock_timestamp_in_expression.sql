SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT date_trunc('second', clock_timestamp());
