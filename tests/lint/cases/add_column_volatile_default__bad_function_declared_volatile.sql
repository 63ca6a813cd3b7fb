SET lock_timeout = '500ms';
SET statement_timeout = '5s';
CREATE FUNCTION pick_color() RETURNS text LANGUAGE sql AS $$ SELECT 'red' $$;
ALTER TABLE users ADD COLUMN color text DEFAULT pick_color();
