SET lock_timeout = '500ms';
SET statement_timeout = '5s';
ALTER TABLE users ADD COLUMN n bigint DEFAULT nextval('users_n_seq');
