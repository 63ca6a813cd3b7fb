// The SQL that enforces and validates a column swap's added CHECK and
// FOREIGN KEY on MariaDB (ops/mariadb_swap.h says when each runs).
//
// A CHECK as a trigger. MariaDB 10.11 adds a CHECK constraint only with
// ALGORITHM=COPY, LOCK=SHARED (measured: INPLACE and INSTANT are refused), so
// the check is a BEFORE INSERT and a BEFORE UPDATE trigger that SIGNALs
// error 4025, SQLSTATE 23000 (what a failed CHECK raises) when the expression
// is false; NULL passes, as for a CHECK. What it catches: every INSERT,
// UPDATE, REPLACE, INSERT ... ON DUPLICATE KEY UPDATE and LOAD DATA on the
// table, through any view, whoever writes. What it does NOT catch: rows
// changed by a foreign key's ON UPDATE/ON DELETE CASCADE or SET NULL (InnoDB
// fires no trigger for them), rows applied by row-based replication on a
// replica (the primary checked them), and rows already in the table (the
// backfill's UPDATEs fire it, and complete validates every row again). It is
// not in the catalog as a constraint (SHOW CREATE TABLE and
// information_schema.CHECK_CONSTRAINTS do not list it), so zeroshift's
// catalog reader (schema/mariadb_reader.cc) reports the trigger pair as CHECK
// <name> (its definition is the triggers' body, which starts with the label:
// schema::MariadbCheckByTriggers): drop_constraint drops the triggers
// with the old column at complete, rename_constraint creates them again under
// the new name. A user's own CHECK constraint of the same name is a second
// constraint of that name: dropping either is refused as ambiguous.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ops/column_swap.h"
#include "ops/column_swap_layout.h"
#include "schema/mariadb_reader.h"

namespace zs::ops {

// Column name (in ctx.before) -> physical column holding its new value at
// that moment: the temporary column during the migration, the old physical
// name after complete's swap.
using MariadbAliases = std::vector<std::pair<std::string, std::string>>;

// Each CHECK trigger's body starts with the label
// schema::kMariadbCheckTriggerLabel ("zs_check: BEGIN ..."): what tells
// zeroshift's CHECK triggers from a user's. The backfill lets them fire (they
// check the values it writes, as a CHECK would), where it refuses a user's
// UPDATE trigger (backfill/mariadb_batch.cc).
// The two trigger names of `check`'s trigger (insert, update).
std::pair<std::string, std::string> MariadbCheckTriggerNames(const AddedConstraint& check);

// CREATE OR REPLACE TRIGGER ... BEFORE <event> (INSERT or UPDATE) that refuses a
// row for which `check` is false; `aliases` holds at least the columns it reads.
std::string MariadbCheckTrigger(const OpContext& ctx, const swap::Layout& layout,
                                const AddedConstraint& check, const std::string& trigger,
                                const std::string& event, const MariadbAliases& aliases);

// A compound statement that walks the table's single-column primary key in
// batches of 1000 (each batch a statement of its own: the metadata lock is
// released between batches, measured) and fails with SQLSTATE 23000 naming
// the constraint and the first key of a row that breaks it. `violates` is a
// condition over zs_row, the batch's rows with `aliases` as their columns.
// REQUIRES: layout.table->primary_key has one column.
std::string MariadbValidateRows(const OpContext& ctx, const swap::Layout& layout,
                                const AddedConstraint& rule, const MariadbAliases& aliases,
                                const std::string& violates, int error_number);

// The condition of MariadbValidateRows for a CHECK and a FOREIGN KEY.
std::string MariadbCheckViolation(const AddedConstraint& check);
std::string MariadbForeignKeyViolation(const OpContext& ctx, const AddedConstraint& fk);

// The physical columns of `name`'s table in ctx.before that `fk` references.
std::vector<std::string> MariadbReferencedPhysical(const OpContext& ctx, const AddedConstraint& fk);

}  // namespace zs::ops
