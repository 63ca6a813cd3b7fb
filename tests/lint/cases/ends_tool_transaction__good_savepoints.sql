-- lint-options: --assume-in-transaction
SAVEPOINT before_audit;
CREATE TABLE audit (id bigint PRIMARY KEY);
ROLLBACK TO SAVEPOINT before_audit;
RELEASE SAVEPOINT before_audit;
