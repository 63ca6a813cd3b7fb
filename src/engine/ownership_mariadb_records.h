// What start created on MariaDB, recorded (SAFETY.md invariant 3): MariaDB
// has no oids, so each object start creates is recorded in the state
// database's created_objects by kind, table and name, plus the identity
// InnoDB gives it where one exists:
//   - a table: its INNODB_SYS_TABLES.TABLE_ID;
//   - an index: its INNODB_SYS_INDEXES.INDEX_ID.
// Both change when the object is dropped and created again under the same
// name, and also when the table is rebuilt (an ALTER with ALGORITHM=COPY, a
// rebuild INPLACE, OPTIMIZE TABLE): start refreshes the identities of its
// records after each of its own statements, so only a rebuild by someone else
// makes an object look replaced, and then zeroshift leaves it (the safe
// side). Columns, constraints and triggers have no identity that survives
// the user's ALTERs (a column COMMENT is lost by MODIFY without COMMENT,
// measured on 10.11): their record says zeroshift created that name, and the
// markers of ownership_mariadb.h still apply. Without the PROCESS privilege,
// or for a name MariaDB stores encoded (not [0-9A-Za-z_]), the identity is 0:
// record and name only.
//
// DDL commits by itself, so a record is written in two steps around it: the
// intent (attnum -1, identity 0) before the statement, the identity (attnum
// 0) after it. A kill -9 between the two leaves an intent: the re-run's
// rollback takes the object as zeroshift's, since its name was free when
// start checked (MariadbRefuseForeignObjects) and the intent was written
// before the statement created it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/ownership.h"
#include "mysql/connection.h"

namespace zs::engine {

// Where a migration's records live: the state database, the migrated
// database (created_objects.schema) and the migration's name.
struct MariadbRecordScope {
  std::string state_database;
  std::string schema;
  std::string migration;
};

// One row of created_objects.
struct MariadbRecord {
  ObjectRef ref;
  uint64_t identity = 0;  // 0: none known
  bool done = false;      // false: the intent only (the statement may not have run)
};

// The live identity of `ref`: nullopt when it does not exist, 0 when it
// exists and has no identity MariaDB shows (see above), else the InnoDB id.
Result<std::optional<uint64_t>> MariadbLiveIdentity(mysql::Connection& conn, const ObjectRef& ref);

// State SQL (statements ending in ";\n") recording the intent to create
// `ref`, replacing any older record of that name (a record left by a
// migration that was neither completed nor rolled back).
std::string MariadbIntentSql(const MariadbRecordScope& scope, const ObjectRef& ref);
// State SQL recording that `ref` was created with `identity`; also what
// refreshes the identity after start's own later statements.
std::string MariadbDoneSql(const MariadbRecordScope& scope, const ObjectRef& ref,
                           uint64_t identity);
// State SQL forgetting the record of `ref`.
std::string MariadbForgetObjectSql(const MariadbRecordScope& scope, const ObjectRef& ref);
// State SQL forgetting every record of the migration: after rollback what is
// left was not zeroshift's, after complete it is the user's.
std::string MariadbForgetSql(const MariadbRecordScope& scope);

// The records of the migration, in the order they were written.
Result<std::vector<MariadbRecord>> MariadbRecords(mysql::Connection& conn,
                                                  const MariadbRecordScope& scope);

// The record of `ref` among `records`, or nullptr.
const MariadbRecord* FindMariadbRecord(const std::vector<MariadbRecord>& records,
                                       const ObjectRef& ref);

// Why `record`'s object is not the one zeroshift created, or "" when it is
// (or when it is gone: nothing to drop). `live` is MariadbLiveIdentity's.
std::string MariadbReplacedReason(const MariadbRecord& record, const std::optional<uint64_t>& live);

// A record whose object is missing or is not the one start created.
struct MariadbRecordDisagreement {
  MariadbRecord record;
  std::string object;  // "index `i` of `db`.`t`", "table `db`.`t`": kind and quoted name
  bool missing = false;
  std::string reason;  // MariadbReplacedReason's, when not missing
};

// The records of `scope` (done ones only: an intent's statement may never
// have run) that the catalog disagrees with, in record order: the facts
// `status` (MariadbRecordProblems) and `doctor` report.
Result<std::vector<MariadbRecordDisagreement>> MariadbRecordDisagreements(
    mysql::Connection& conn, const MariadbRecordScope& scope);

// What is wrong with `d`'s object and what to do, as `status` and `doctor`
// say it; `migration` at `step` is the migration that recorded it.
std::string MariadbDisagreementText(const MariadbRecordDisagreement& d,
                                    const std::string& migration, const std::string& step);

// `status`'s lines for the records whose object is missing or replaced, each
// naming the object and what to do.
Result<std::vector<std::string>> MariadbRecordProblems(mysql::Connection& conn,
                                                       const MariadbRecordScope& scope,
                                                       const std::string& step);

}  // namespace zs::engine
