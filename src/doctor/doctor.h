// `zeroshift doctor`: finds zeroshift objects in the database that the state
// (zeroshift.migrations) does not account for, left behind by a crash, a
// killed process or a hand edit, and removes them on request.
//
// Only objects zeroshift recorded creating (zeroshift.created_objects, by
// catalog identity) are zeroshift's: doctor never guesses from a `_zs_`
// prefix or a schema named like a version, so a user's `_zs_x` column or
// `public_2024` schema is never reported, nor dropped by --fix. INVALID
// indexes of any name are reported, but only recorded ones are dropped.
//
// An object is accounted for when the active migration of the schema would
// name it in its own complete or rollback actions (so `zeroshift complete` or
// `rollback` will deal with it), or when it is the version schema of the
// active or latest completed migration. Everything else zeroshift-shaped is a
// finding. Diagnose only reads; Fix drops what Diagnose found, one finding at
// a time, under the engine's lock_timeout and retry policy.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/backend.h"
#include "core/status.h"
#include "pg/connection.h"
#include "pg/ddl_runner.h"

namespace zs::doctor {

// Kinds of findings, as printed.
// Every kind but kInvalidIndex, kBackfillState and kActiveMigration is found
// only when recorded in zeroshift.created_objects.
inline constexpr const char* kTrigger = "trigger";                   // dual-write trigger
inline constexpr const char* kTriggerFunction = "function";          // trigger function
inline constexpr const char* kTemporaryColumn = "column";            // a column start added
inline constexpr const char* kConstraint = "constraint";             // a constraint start added
inline constexpr const char* kInvalidIndex = "invalid_index";        // pg_index.indisvalid = false
inline constexpr const char* kIndex = "index";                       // valid recorded index
inline constexpr const char* kVersionSchema = "version_schema";      // <schema>_<migration>
inline constexpr const char* kBackfillState = "backfill_state";      // cursor/control row
inline constexpr const char* kActiveMigration = "active_migration";  // report only
// MariaDB (doctor_mariadb.h), report only: an object the state says is
// zeroshift's, present without zeroshift's marker; a statement queued for a
// table's metadata lock; a transaction open for long; a server setting under
// which zeroshift's triggers or replicas would go wrong.
inline constexpr const char* kUnmarkedObject = "unmarked_object";
inline constexpr const char* kMetadataLockQueue = "metadata_lock_queue";
inline constexpr const char* kLongTransaction = "long_transaction";
inline constexpr const char* kServerSetting = "server_setting";

struct Finding {
  std::string kind;    // one of the constants above
  std::string object;  // qualified and quoted as in SQL: "public"."users"."_zs_new_age"
  std::string reason;  // why it is considered stray, or what is wrong
  // What --fix runs; "" for findings only a person can resolve (they say what
  // to run in `reason`).
  std::string fix_sql;
  // The fix cannot run in a transaction block (DROP INDEX CONCURRENTLY).
  bool concurrently = false;
  // Recorded as created by zeroshift; false for an INVALID index it did not
  // create (reported with no fix: a person decides).
  bool zeroshift_owned = true;
  // Name of the active migration whose tables or version the finding touches;
  // --fix leaves it alone while that migration is active. "" when unrelated.
  std::string active_migration;

  nlohmann::json ToJson() const;
};

struct Report {
  std::string schema;
  std::string active_migration;  // "" when none is active
  // As stored: a step this zeroshift does not know is shown as it is.
  std::string active_step;
  std::vector<Finding> findings;
  // Filled by Fix: what was fixed, and what was left with the reason.
  std::vector<Finding> fixed;
  std::vector<std::pair<Finding, std::string>> refused;

  nlohmann::json ToJson() const;
  // One block per finding: kind, object, why, and the SQL of the fix.
  std::string ToText() const;
};

// Reads the catalogs and the state of `schema`. Read-only.
// kConflict when another zeroshift process holds the schema's advisory lock
// (what it is doing would look half-applied).
Result<Report> Diagnose(pg::Connection& conn, const std::string& schema);

// Takes the schema's advisory lock (kConflict when a zeroshift command is
// running), diagnoses under it, runs the fix of every finding that has one
// and is unrelated to an active migration, each under `policy` (indexes with
// DROP INDEX CONCURRENTLY), then diagnoses again: the returned report's
// `findings` are what remains.
Result<Report> Fix(pg::Connection& conn, const std::string& schema, const pg::RetryPolicy& policy);

// The same on `session`'s database: PostgreSQL's above, or MariaDB's
// (doctor_mariadb.h).
Result<Report> Diagnose(backend::Session& session, const std::string& schema);
Result<Report> Fix(backend::Session& session, const std::string& schema,
                   const pg::RetryPolicy& policy);

}  // namespace zs::doctor
