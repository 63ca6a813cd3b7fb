-- lint-options: --assume-in-transaction
SET LOCAL lock_timeout = '500ms';
CREATE TABLE audit (id bigint PRIMARY KEY);
COMMIT;
CREATE TABLE audit_2 (id bigint PRIMARY KEY);
