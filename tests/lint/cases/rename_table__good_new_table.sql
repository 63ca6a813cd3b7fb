CREATE TABLE staging (a int);
ALTER TABLE staging RENAME TO final;
