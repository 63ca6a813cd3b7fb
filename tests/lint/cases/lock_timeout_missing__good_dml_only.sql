UPDATE users SET name = 'x' WHERE id = 1;
INSERT INTO users (id, name) VALUES (2, 'y');
