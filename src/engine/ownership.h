// What zeroshift created, by identity (SAFETY.md invariant 3). The objects a
// start action creates are read from its SQL with the parser, checked to be
// free before anything runs (the preflight), and recorded in
// zeroshift.created_objects by catalog identity (oid, and attnum for a
// column) in the same transaction that creates them. Complete, rollback and
// doctor drop an object only when that record matches the live object.
#pragma once

#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/status.h"
#include "pg/connection.h"

namespace zs::engine {

// Kinds of objects, as stored in zeroshift.created_objects.kind.
inline constexpr const char* kObjSchema = "schema";
inline constexpr const char* kObjTable = "table";
inline constexpr const char* kObjColumn = "column";
inline constexpr const char* kObjConstraint = "constraint";
inline constexpr const char* kObjIndex = "index";
inline constexpr const char* kObjTrigger = "trigger";
inline constexpr const char* kObjFunction = "function";

struct ObjectRef {
  std::string kind;    // one of the kObj* constants
  std::string schema;  // the object's schema; for a column, constraint or trigger its table's
  std::string table;   // for a column, constraint or trigger: its table; "" otherwise
  std::string name;    // as stored (clipped to 63 bytes on a character boundary)

  // For messages: `column "public"."users"."_zs_new_email"`.
  std::string Describe() const;
  bool operator==(const ObjectRef&) const = default;
};

// The objects the statements of `sql` create: schemas, tables, indexes,
// triggers, functions, and the columns and constraints an ALTER TABLE adds.
// Views are left out (they live in the version schema, which is recorded).
// Unqualified names are in `default_schema`.
Result<std::vector<ObjectRef>> CreatedObjects(const std::string& sql,
                                              const std::string& default_schema);

// One statement of a multi-statement SQL text, and what it drops (DROP
// SCHEMA/TABLE/INDEX/TRIGGER/FUNCTION, ALTER TABLE DROP COLUMN/CONSTRAINT).
struct Statement {
  std::string text;
  std::vector<ObjectRef> drops;
};
Result<std::vector<Statement>> SplitStatements(const std::string& sql,
                                               const std::string& default_schema);

// SQL returning the live identity of `ref` as one row (oid, attnum), or no row.
std::string IdentitySql(const ObjectRef& ref);
// SQL boolean: `ref` exists now.
std::string ExistsSql(const ObjectRef& ref);
// SQL boolean: `ref` exists and zeroshift recorded creating that very object.
std::string RecordedSql(const ObjectRef& ref);
// SQL that records `ref` (as it is now) as created by the active migration
// of `base_schema`; runs in the transaction that creates it.
std::string RecordSql(const std::string& base_schema, const ObjectRef& ref);

// SQL that deletes the records of `base_schema`'s objects that no longer
// exist (an oid may be reused by an object that is not ours), and, with
// `completed`, every record of migration `name` but its version schema's:
// what a completed migration leaves behind (a renamed temporary column, an
// index) is the user's from then on; the next complete drops the schema.
std::string ForgetGoneObjectsSql(const std::string& base_schema, const std::string& name,
                                 bool completed);

// Whether the state row of `name` was started by a zeroshift that records
// what it creates (zeroshift.migrations.tracks_objects). Rows an older
// zeroshift started, and a state schema not yet upgraded, say false.
Result<bool> TracksObjects(backend::Session& session, const std::string& base_schema,
                           const std::string& name);

}  // namespace zs::engine
