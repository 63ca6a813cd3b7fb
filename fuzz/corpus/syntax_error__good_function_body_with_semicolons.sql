SET lock_timeout = '500ms';
SET statement_timeout = '5s';
CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
  SELECT i + 1;
  SELECT CASE WHEN i > 0 THEN i ELSE 0 END;
END;
CREATE INDEX CONCURRENTLY a_idx ON users (a);
