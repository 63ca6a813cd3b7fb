-- lint-options: --pg-version 12
CREATE VIEW v WITH (security_invoker = true) AS SELECT 1 AS one;
