SET lock_timeout = '500ms';
SET statement_timeout = '5s';
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.x := 1; -- a ; inside
  RETURN NEW;
END $$;
