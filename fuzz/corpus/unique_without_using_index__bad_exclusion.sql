SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);
