-- lint-options: --assume-in-transaction
CREATE TABLE audit (id bigint PRIMARY KEY);
COMMIT AND CHAIN;
CREATE TABLE audit_2 (id bigint PRIMARY KEY);
COMMIT;
