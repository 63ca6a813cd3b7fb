SET lock_timeout = '500ms';
SET statement_timeout = '5s';
CREATE FUNCTION default_color() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'blue' $$;
ALTER TABLE users ADD COLUMN color text DEFAULT default_color();
