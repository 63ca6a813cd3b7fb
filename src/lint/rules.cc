#include "lint/rules.h"

#include <array>

namespace zs::lint {
namespace {

using enum Severity;

constexpr std::array<RuleInfo, 32> kRules = {{
    {"syntax-error", kError,
     "a statement PostgreSQL's parser rejects (the PostgreSQL 15 grammar); the rest "
     "of the file is still checked",
     "fix the statement; if it is newer syntax than PostgreSQL 15, suppress the finding"},
    {"lock-timeout-missing", kWarning,
     "DDL that takes a lock blocking reads or writes on an existing table with no lock_timeout "
     "set: waiting behind one long transaction, it makes every later query on the table wait "
     "behind it",
     "SET lock_timeout = '500ms' before it and retry on SQLSTATE 55P03 (zeroshift does both)"},
    {"statement-timeout-missing", kWarning,
     "DDL that blocks reads or writes on an existing table with no statement_timeout set: "
     "nothing bounds how long the table stays blocked",
     "SET statement_timeout = '5s' before it (not before CREATE INDEX CONCURRENTLY)"},
    {"lock-timeout-above-statement-timeout", kInfo,
     "lock_timeout set at or above statement_timeout: the lock wait is then never what fails",
     "keep lock_timeout well below statement_timeout, e.g. 500ms and 5s"},
    {"create-index-non-concurrently", kError,
     "CREATE INDEX on an existing table without CONCURRENTLY: SHARE lock, every INSERT, UPDATE "
     "and DELETE waits for the whole index build",
     "CREATE INDEX CONCURRENTLY, outside a transaction block (check for an INVALID index if it "
     "fails)"},
    {"drop-index-non-concurrently", kWarning,
     "DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the index's table",
     "DROP INDEX CONCURRENTLY, outside a transaction block"},
    {"reindex-non-concurrently", kError,
     "REINDEX without CONCURRENTLY blocks writes to the table, and reads that use the index, for "
     "the whole rebuild",
     "REINDEX ... CONCURRENTLY (PostgreSQL 12+), outside a transaction block"},
    {"concurrently-in-transaction", kError,
     "a statement that cannot run inside a transaction block (CREATE/DROP INDEX CONCURRENTLY, "
     "REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY, VACUUM): it fails",
     "run it on its own, outside BEGIN/COMMIT (mark the migration non-transactional in your "
     "tool)"},
    {"set-not-null-without-check", kError,
     "ALTER COLUMN SET NOT NULL without a validated CHECK (col IS NOT NULL): a full table scan "
     "under ACCESS EXCLUSIVE",
     "ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT in a later "
     "transaction; then SET NOT NULL uses the constraint and skips the scan (PostgreSQL 12+)"},
    {"check-without-not-valid", kError,
     "ADD CONSTRAINT ... CHECK (or ALTER DOMAIN ADD CONSTRAINT) without NOT VALID: every row is "
     "checked under ACCESS EXCLUSIVE",
     "ADD it NOT VALID (instant), then VALIDATE CONSTRAINT in a separate transaction (SHARE "
     "UPDATE EXCLUSIVE: reads and writes go on)"},
    {"foreign-key-without-not-valid", kError,
     "ADD FOREIGN KEY (or a column with REFERENCES) without NOT VALID: every row is checked while "
     "writes to both tables are blocked",
     "ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then VALIDATE CONSTRAINT in a separate "
     "transaction"},
    {"validate-in-same-transaction", kError,
     "VALIDATE CONSTRAINT in the same transaction as the ADD ... NOT VALID: the ADD's lock is "
     "still held, so the validation scan blocks the table after all",
     "COMMIT between ADD ... NOT VALID and VALIDATE CONSTRAINT"},
    {"unique-without-using-index", kError,
     "ADD UNIQUE / PRIMARY KEY / EXCLUDE builds its index under ACCESS EXCLUSIVE",
     "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... UNIQUE USING INDEX (or "
     "PRIMARY KEY USING INDEX)"},
    {"add-column-volatile-default", kError,
     "ADD COLUMN with a volatile default (random(), clock_timestamp(), gen_random_uuid(), "
     "nextval: serial and identity columns): the whole table and its indexes are rewritten under "
     "ACCESS EXCLUSIVE",
     "add the column without the default, SET DEFAULT for new rows, backfill existing rows in "
     "batches (zeroshift add_column with `up`)"},
    {"add-column-generated-stored", kError,
     "ADD COLUMN ... GENERATED ALWAYS AS (...) STORED rewrites the whole table under ACCESS "
     "EXCLUSIVE",
     "add a plain nullable column filled by a trigger and a batched backfill, or compute it in a "
     "view"},
    {"add-column-not-null-without-default", kError,
     "ADD COLUMN ... NOT NULL without a default fails on any table that has rows",
     "add it nullable, backfill, then SET NOT NULL through a validated CHECK; or give a "
     "non-volatile DEFAULT (instant since PostgreSQL 11)"},
    {"alter-column-type-rewrite", kError,
     "ALTER COLUMN TYPE to a type that is not binary coercible from the old one: the table and "
     "its indexes are rewritten under ACCESS EXCLUSIVE (varchar widening, varchar to text and "
     "numeric precision increases are not flagged)",
     "add a column of the new type, keep both in sync with a trigger, backfill in batches, switch "
     "readers, then drop the old one (zeroshift alter_column with `type`)"},
    {"rename-column", kWarning,
     "RENAME COLUMN: every running client that uses the old name fails from that moment",
     "expand-contract: zeroshift rename_column shows the new name in the new version's views; "
     "the physical rename happens at complete, when no old client is left"},
    {"rename-table", kWarning,
     "ALTER TABLE ... RENAME TO: every running client that uses the old name fails",
     "zeroshift rename_table (the new version sees the new name through a view), or leave a "
     "view with the old name until every client has moved"},
    {"drop-column", kWarning,
     "DROP COLUMN: running clients that read or write the column fail, and its data is gone",
     "deploy clients that no longer use it first; zeroshift drop_column hides it from the new "
     "version and drops it at complete"},
    {"drop-table", kWarning,
     "DROP TABLE: running clients that use the table fail, and its data is gone",
     "deploy clients that no longer use it first (zeroshift drop_table drops it at complete); "
     "keep a backup"},
    {"unbatched-dml", kWarning,
     "UPDATE or DELETE over a whole table, or a large part of it, in one statement: long row "
     "locks, a burst of WAL and dead rows, and replicas falling behind",
     "update in batches of a few thousand rows, each in its own transaction, until none is left "
     "(zeroshift backfills added columns this way)"},
    {"runs-while-locked", kError,
     "a statement that runs while an earlier statement of the same transaction holds ACCESS "
     "EXCLUSIVE on a table: nobody can even read that table until COMMIT",
     "COMMIT right after the DDL and run the data change in batches outside that transaction; "
     "`zeroshift convert` turns such a script into a migration that does so"},
    {"vacuum-full", kError, "VACUUM FULL rewrites the table under ACCESS EXCLUSIVE",
     "plain VACUUM, or an online rebuild with pg_repack or pg_squeeze"},
    {"cluster", kError, "CLUSTER rewrites the table under ACCESS EXCLUSIVE",
     "an online rebuild with pg_repack (which can also order by an index)"},
    {"table-rewrite", kError,
     "ALTER TABLE SET TABLESPACE / SET LOGGED / SET UNLOGGED / SET ACCESS METHOD rewrites the "
     "table under ACCESS EXCLUSIVE",
     "create the new table alongside and copy in batches, or use pg_repack"},
    {"refresh-matview-non-concurrently", kWarning,
     "REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks every read of the view until the "
     "refresh ends",
     "REFRESH MATERIALIZED VIEW CONCURRENTLY (the view needs a unique index)"},
    {"detach-partition-non-concurrently", kWarning,
     "DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on the partitioned table",
     "DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+), outside a transaction block"},
    {"requires-newer-postgres", kError,
     "syntax that the target PostgreSQL version (--pg-version) does not have: the statement fails",
     "rewrite it for that version, or raise --pg-version if the server is newer"},
    {"transaction-nesting", kWarning,
     "BEGIN inside a transaction, or COMMIT/ROLLBACK with none open: the migration tool's own "
     "transaction is committed early or the statement only warns",
     "let either the file or the migration tool manage the transaction, not both"},
    {"ends-tool-transaction", kError,
     "under --assume-in-transaction, a COMMIT, END, ROLLBACK, ABORT or PREPARE TRANSACTION not "
     "paired with a BEGIN of the file: it ends the migration tool's own transaction, so the "
     "migration is no longer applied all or nothing",
     "remove it; put what must run outside a transaction in a migration of its own"},
    {"invalid-suppression", kWarning,
     "a zeroshift-lint-ignore comment names a rule that does not exist",
     "use a rule id from `zeroshift lint --list-rules`"},
}};

}  // namespace

std::span<const RuleInfo> AllRules() { return kRules; }

const RuleInfo* FindRule(std::string_view id) {
  for (const RuleInfo& rule : kRules) {
    if (rule.id == id) return &rule;
  }
  return nullptr;
}

}  // namespace zs::lint
