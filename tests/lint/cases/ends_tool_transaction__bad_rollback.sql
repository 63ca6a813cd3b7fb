-- lint-options: --assume-in-transaction
CREATE TABLE audit (id bigint PRIMARY KEY);
ROLLBACK;
