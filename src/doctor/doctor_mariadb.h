// `zeroshift doctor` on MariaDB (doctor.h says what it does on PostgreSQL).
// MariaDB has no identity records (engine/ownership_mariadb.h), so an object
// is zeroshift's by its name and marker: a trigger named `_zs_...` whose body
// starts with the `zs_dual_write:` label, a database whose comment is
// versions::MariadbVersionComment(<database>). Found:
//   - kVersionSchema: a version database of this database that is neither
//     the active migration's, the latest completed one's, nor the recorded
//     baseline version; fixed with the VersionSql's DropAction (which
//     refuses a database that also holds tables or routines);
//   - kTrigger: a zeroshift trigger on a table the active migration does not
//     dual-write (or with no migration active); fixed with DROP TRIGGER;
//   - kTemporaryColumn: a `_zs_` column (a temporary column or the dual-write
//     marker) that no active migration's complete or rollback drops; fixed
//     with ALTER TABLE ... DROP COLUMN IF EXISTS, ALGORITHM=INSTANT (after
//     the stray triggers, which read the marker);
//   - kActiveMigration (report only): the active migration stopped between
//     steps no command resumes, or its version database or one of its
//     triggers is missing;
//   - kUnmarkedObject (report only): the active migration's version database
//     or trigger exists under its name without zeroshift's marker;
//   - kRecordedObject (report only): an object the active migration's start
//     recorded creating (zeroshift.created_objects) that is missing, or is
//     not the one it created (its InnoDB id changed): the facts `status`
//     reports (engine/ownership_mariadb_records.h), in its words, with what to
//     run (`zeroshift rollback`); never fixed by --fix, a person decides;
//   - kMetadataLockQueue, kLongTransaction, kServerSetting (report only,
//     doctor_mariadb_server.h): a statement waiting for a metadata lock on
//     the database's tables and who holds it, transactions open longer than
//     MariadbDoctorOptions::long_transaction_s, a zeroshift trigger created
//     under another sql_mode, and statement-based binary logging.
// A zeroshift command holding the schema's lock (GET_LOCK) makes Diagnose
// refuse, naming the connection that holds it (state::StateStore::
// SchemaLockHolder). Fix takes that lock itself, diagnoses under it, runs each
// fix that is unrelated to the active migration (one DDL statement each,
// under the runner's bound and retries) and diagnoses again.
#pragma once

#include <string>

#include "backend/backend.h"
#include "doctor/doctor.h"

namespace zs::doctor {

// A finding kind of MariaDB's alone (doctor.h lists the others).
inline constexpr const char* kRecordedObject = "recorded_object";

struct MariadbDoctorOptions {
  // A transaction open at least this long is reported: the next DDL would
  // queue behind it for the metadata lock.
  int long_transaction_s = 60;
};

Result<Report> MariadbDiagnose(backend::Session& session, const std::string& schema,
                               const MariadbDoctorOptions& options = {});
Result<Report> MariadbFix(backend::Session& session, const std::string& schema,
                          const pg::RetryPolicy& policy);

}  // namespace zs::doctor
