SET lock_timeout = '500ms';
SET statement_timeout = '5s';
DELETE FROM events WHERE created_at < now() - interval '90 days';
