-- lint-options: --assume-in-transaction
COMMIT PREPARED 'migration_7';
