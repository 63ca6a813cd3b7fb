CREATE TABLE lines (q int, p int, total int GENERATED ALWAYS AS (q * p) STORED);
