SET lock_timeout = '500ms';
SET statement_timeout = '5s';
INSERT INTO settings (k, v) VALUES ('a', E'it\'s; fine');
