SET lock_timeout = '500ms';
ALTER TABLE users ALTER COLUMN name SET DEFAULT 'anonymous';
