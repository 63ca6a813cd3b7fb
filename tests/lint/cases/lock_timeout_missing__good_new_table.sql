CREATE TABLE notes (id bigint PRIMARY KEY, body text);
CREATE INDEX notes_body_idx ON notes (body);
ALTER TABLE notes ADD COLUMN author text;
