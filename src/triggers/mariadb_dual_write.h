// Dual-write triggers on MariaDB 10.11 (the DualWriteSql implementation;
// measured facts in ../shared/design/mariadb.md, "Dual write").
//
// Per table, two triggers, because a MariaDB trigger has one event: a BEFORE
// INSERT and a BEFORE UPDATE trigger (MariadbTriggerName), each created after
// the user's own BEFORE triggers of its event with FOLLOWS, so those run
// first and zeroshift derives the other shape from the row they leave. Each
// body is ONE statement (BEGIN ... END with semicolons inside: an Action is
// one statement), and assigns only to NEW: a trigger cannot write its own
// table (error 1442), so triggers cannot loop.
//
// sql_mode: a trigger keeps the sql_mode it was created under and parses its
// body with it on every load. Each CREATE is therefore sent as
// `SET STATEMENT sql_mode = '<kMariadbTriggerSqlMode>' FOR CREATE OR REPLACE
// TRIGGER ...`, the mode mysql::Connection pins, whatever the session that
// runs it has: || stays OR, a backslash escapes in a literal, ANSI_QUOTES is
// off. One statement, so a retry or another connection cannot separate the
// mode from the CREATE. The statement itself is still lexed under the
// session's mode (measured: SET STATEMENT applies when it runs), so every
// literal zeroshift writes into it reads the same under any mode (quotes
// doubled; one with a backslash or a control byte in hex). User expressions
// are the caller's to check (`||`, `/*! */`: mariadb.md).
//
// Direction: there is no search_path, and DATABASE() in a trigger is the
// table's database even for a write through a view of the version database,
// so the writer says which version it is: a new-version client runs
// `SET @zeroshift_version = '<version database>'`; old clients leave it unset
// (or name another version). The variable is read once, before any user
// expression runs, into the row's marker field (no local: see
// mariadb_dual_write.cc). Old writes compute the new columns with
// `up` (marker 1), new writes compute the old columns with `down` (marker 0).
// As on PostgreSQL, a write with the variable set is still taken for an old
// one when it shows the old shape: an UPDATE that changed a column only the
// old shape has (the version's views cannot reach it), or an INSERT that left
// every new-only column as an omitted column is and set an old-only one.
//
// The guard, for a new-version client that forgot the variable (its write
// would otherwise be silently overwritten by `up`, or fail with 1364 on a NOT
// NULL old column). SIGNAL SQLSTATE '45000' (error 1644) naming the table,
// the version database and the SET statement to run, when the variable is
// not the version's and:
//   - UPDATE: a column only the new shape has (an `up` target) changed and no
//     column only the old shape has (a `down` target) changed. An old client
//     cannot name a new-only column, and one that writes every column back
//     (SELECT * then UPDATE all) writes them unchanged.
//   - INSERT: a new-only column whose omitted value is known
//     (TriggerSpec::target_unwritten_value, in MariaDB's SQL; NULL for a
//     column without a default, also NOT NULL ones: MariaDB checks NOT NULL
//     after the BEFORE triggers) holds something else, and every old-only
//     column holds its omitted value.
// Not caught: an UPDATE that changes none of the new-only columns (only
// columns both shapes share): `up` then recomputes the new-only columns from
// the old ones, which overwrites nothing for a row in step but replaces a
// value that `down` and `up` do not round-trip; an INSERT when an old-only
// column's omitted value is unknown (a volatile default), or one that writes
// every new-only column with its omitted value; a migration whose table has
// no `up` target (only `down`: drop_column), where the new client's writes
// simply leave the old column as the base table's default.
//
// Stepping aside: a session with `@zeroshift_backfill = 1` leaves the
// triggers without doing anything (the marker included): the backfill
// computes `up` and sets the marker in its own UPDATE. Any session may set
// it; it is a promise, not a privilege. MariaDB has no WHEN clause, so the
// trigger still fires for every backfilled row: the test is its first
// statement, and the body declares nothing whose set-up costs per firing
// (no locals at all, no `TYPE OF`: expressions read NEW through a one-row
// derived table, mariadb_dual_write.cc).
//
// Rebuild first: when the table has `up` targets (a backfill follows), the
// install's last action is `ALTER TABLE ... FORCE, ALGORITHM=INPLACE,
// LOCK=NONE` (id "trigger:<insert trigger>:rebuild"): every row rewritten
// once with the columns added INSTANT, so that the backfill's UPDATEs keep
// each row's size (backfill/mariadb_batch.h). The engine may skip it
// (engine/mariadb_engine_steps.cc).
//
// Triggers run with their DEFINER's privileges (the user that created them).
#pragma once

#include <string>
#include <vector>

#include "triggers/dual_write.h"

namespace zs::triggers {

// mysql::Connection's pinned sql_mode (mysql/connection.h), under which the
// triggers are created and their bodies parsed.
inline constexpr const char* kMariadbTriggerSqlMode =
    "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";
// The session variables the triggers read.
inline constexpr const char* kMariadbVersionVariable = "@zeroshift_version";
inline constexpr const char* kMariadbBackfillVariable = "@zeroshift_backfill";

enum class MariadbEvent { kInsert, kUpdate };

// "_zs_<table>_dual_write_<insert|update>", or with the table clipped and a
// hash of it when longer than 64 bytes. Trigger names are per database.
std::string MariadbTriggerName(const std::string& table, MariadbEvent event);

// A query listing the user's BEFORE INSERT and BEFORE UPDATE triggers of
// database.table (zeroshift's own left out), as rows (EVENT_MANIPULATION
// 'INSERT' | 'UPDATE', TRIGGER_NAME) in firing order: what fills UserTriggers.
std::string MariadbUserTriggersSql(const std::string& database, const std::string& table);

// The one statement creating the table's trigger for `event` from `specs`
// (all of one table, in operation order), after `follows` when not empty (the
// last of the user's BEFORE triggers of that event).
std::string MariadbCreateTriggerSql(const std::vector<TriggerSpec>& specs, MariadbEvent event,
                                    const std::string& follows);

const DualWriteSql& MariadbDualWrite();

}  // namespace zs::triggers
