CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL);
CREATE INDEX events_at_idx ON events (at);
