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
//   - kActiveMigration (report only): the active migration stopped between
//     steps no command resumes, or its version database or one of its
//     triggers is missing.
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

Result<Report> MariadbDiagnose(backend::Session& session, const std::string& schema);
Result<Report> MariadbFix(backend::Session& session, const std::string& schema,
                          const pg::RetryPolicy& policy);

}  // namespace zs::doctor
