#include "state/postgres_consistency.h"

#include <fmt/format.h>

namespace zs::state {

namespace {

// Every object of the migration's created_objects rows that the catalog no
// longer has, described as `kind "schema"."table"."name"`.
constexpr const char* kMissingObjectsSql = R"sql(
SELECT r.kind || ' ' || quote_ident(r.object_schema)
       || CASE WHEN r.table_name <> '' THEN '.' || quote_ident(r.table_name) ELSE '' END
       || CASE WHEN r.kind <> 'schema' THEN '.' || quote_ident(r.name) ELSE '' END
FROM zeroshift.created_objects r
WHERE r.schema = $1 AND r.migration = $2 AND NOT CASE r.kind
  WHEN 'schema' THEN EXISTS (SELECT 1 FROM pg_namespace WHERE oid = r.object_oid)
  WHEN 'function' THEN EXISTS (SELECT 1 FROM pg_proc WHERE oid = r.object_oid)
  WHEN 'constraint' THEN EXISTS (SELECT 1 FROM pg_constraint WHERE oid = r.object_oid)
  WHEN 'trigger' THEN EXISTS (SELECT 1 FROM pg_trigger WHERE oid = r.object_oid)
  WHEN 'column' THEN EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = r.object_oid
                             AND attnum = r.attnum AND NOT attisdropped)
  ELSE EXISTS (SELECT 1 FROM pg_class WHERE oid = r.object_oid) END
ORDER BY 1
)sql";

bool VersionSchemaExpected(const MigrationRecord& active) {
  switch (active.step) {
    case Step::kBackfilling:
    case Step::kActive:
    case Step::kCompleting:  // complete keeps the new version's schema
      return true;
    case Step::kRollingBack:
      return active.actions_done == 0;
    case Step::kStarting:  // created by start's last actions, with the step
    case Step::kDone:
      return false;
  }
  return false;
}

// Complete and rollback drop recorded objects action by action and forget
// the records only with their last one.
bool RecordsMustExist(const MigrationRecord& active) {
  return active.step == Step::kStarting || active.step == Step::kBackfilling ||
         active.step == Step::kActive;
}

std::string Disagreement(const MigrationRecord& active, const std::string& what) {
  return fmt::format(
      "the state and the catalog disagree: zeroshift.migrations says \"{}\" is at step {}, but "
      "{} is missing (dropped by hand, or the database was restored or copied without it). Do "
      "not complete: `zeroshift rollback` undoes the migration, then start it again; `zeroshift "
      "drift` lists what differs",
      active.name, StepName(active.step), what);
}

}  // namespace

Result<std::vector<std::string>> PostgresRecordDisagreements(pg::Connection& conn,
                                                             const MigrationRecord& active) {
  std::vector<std::string> out;
  if (VersionSchemaExpected(active) && !active.version_schema.empty()) {
    ZS_ASSIGN_OR_RETURN(
        pg::Rows rows,
        conn.ExecParams("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
                        {active.version_schema}));
    if (!rows.GetBool(0, 0)) {
      out.push_back(
          Disagreement(active, fmt::format("its version schema \"{}\"", active.version_schema)));
    }
  }
  if (!RecordsMustExist(active)) return out;
  ZS_ASSIGN_OR_RETURN(pg::Rows exists,
                      conn.Exec("SELECT to_regclass('zeroshift.created_objects') IS NOT NULL"));
  if (!exists.GetBool(0, 0)) return out;  // state not yet upgraded: nothing recorded
  ZS_ASSIGN_OR_RETURN(pg::Rows missing,
                      conn.ExecParams(kMissingObjectsSql, {active.schema, active.name}));
  const bool schema_reported = !out.empty();
  for (int i = 0; i < missing.size(); ++i) {
    // The version schema's own record says what the check above said.
    if (schema_reported && missing.Get(i, 0).rfind("schema ", 0) == 0) continue;
    out.push_back(Disagreement(active, "the " + missing.Get(i, 0) + " it recorded creating"));
  }
  return out;
}

}  // namespace zs::state
