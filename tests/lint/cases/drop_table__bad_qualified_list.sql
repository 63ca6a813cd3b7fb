SET lock_timeout = '500ms';
SET statement_timeout = '5s';
DROP TABLE IF EXISTS app.a, app.b;
