SELECT set_config('lock_timeout', '750ms', false);
SELECT set_config('statement_timeout', '5s', false);
ALTER TABLE users ADD COLUMN nickname text;
