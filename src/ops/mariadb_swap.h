// The column swap on MariaDB (ops/column_swap.h), for every operation built on
// it: alter_column, create_constraint, drop_constraint and
// drop_multicolumn_constraint. Measured on MariaDB 10.11.19 (docs/mariadb.md):
//
// - start: each temporary column is added ALGORITHM=INSTANT. A NOT NULL one
//   with a default MariaDB adds instantly is added NOT NULL at once, with
//   that default (existing rows read it until the backfill writes `up` over
//   every one of them; a NULL `up` fails that write). Any other one, and one
//   an added UNIQUE covers (its index is built now, over rows that would all
//   hold one placeholder), is added nullable and without a default (a
//   default would fill the existing rows with one value; NOT NULL without
//   one would refuse, 1364, an old version's INSERT between the ADD and the
//   dual-write triggers' creation). Then the default for new rows (INSTANT).
//   An
//   added UNIQUE is an index on the temporary columns built
//   ALGORITHM=INPLACE, LOCK=NONE; an added FOREIGN KEY is added under
//   foreign_key_checks=0 (the only INPLACE, LOCK=NONE form: it checks no
//   existing row); an added CHECK, which MariaDB adds only by copying the
//   table under LOCK=SHARED, is a BEFORE INSERT and a BEFORE UPDATE trigger
//   (created after the dual-write triggers, so it sees what they computed).
//   The backfill's UPDATEs fire both the trigger and InnoDB's foreign key
//   check, so each existing row is checked as it is copied.
// - complete: the rows are validated again in batches of the primary key
//   (a violation fails complete before anything is dropped), the NOT NULL
//   columns start added nullable are checked for NULLs and made NOT NULL
//   (INPLACE, LOCK=NONE: a table rebuild) while the dual write still runs,
//   before the group's LOCK TABLES (under it, every client would wait for
//   the rebuild), then ONE ALTER (INSTANT, measured; NOCOPY when it drops an index) drops
//   the dropped constraint and the old columns and gives the temporary ones
//   their names (run only while the first temporary column exists, so a
//   repeat cannot drop the new columns), and the check triggers are
//   re-created over the final names.
// - rollback: the added foreign keys, the check triggers and the temporary
//   columns (with their indexes) are dropped.
// A table this migration creates (no version reads it yet, no rows) has its
// columns changed in place at start, one MODIFY, as on PostgreSQL: so a
// directory's pending migrations plan together (04 of examples/mariadb
// changes a column of the table 01 creates).
// Refused before anything runs: a primary key, anything else hanging on the
// columns (zeroshift would have to copy it onto the new columns), a
// constraint added or dropped on a table created by this migration,
// DEFERRABLE or MATCH FULL foreign keys (MariaDB
// has neither), and a check or foreign key on a table without a
// single-column primary key (the validation walks that key).
#pragma once

#include "ops/column_swap.h"
#include "ops/operation_sql.h"

namespace zs::ops {

// The MariaDB SQL of any ColumnSwapOperation.
const OperationSql<ColumnSwapOperation>& MariadbSwapSql();

}  // namespace zs::ops
