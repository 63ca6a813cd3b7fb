-- zeroshift-lint-ignore
UPDATE users SET email = lower(email);
