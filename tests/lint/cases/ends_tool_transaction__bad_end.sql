-- lint-options: --assume-in-transaction
CREATE TABLE audit (id bigint PRIMARY KEY);
END;
CREATE TABLE audit_2 (id bigint PRIMARY KEY);
