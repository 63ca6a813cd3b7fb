SET lock_timeout = '500ms';
SET statement_timeout = '5s';
CREATE INDEX ON orders (created_at) WHERE status = 'open';
