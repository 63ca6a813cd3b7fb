SET lock_timeout = '500ms';
SET statement_timeout = '5s';
REFRESH MATERIALIZED VIEW daily_totals;
