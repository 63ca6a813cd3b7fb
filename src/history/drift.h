// Drift: how the live schema differs from what the migration history says it
// should be. Diff is pure (two schema::Schema values in, differences out);
// ReferenceSchema picks, from the history, the schema to compare with.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/status.h"
#include "schema/schema.h"
#include "state/state_store.h"

namespace zs::history {

struct Difference {
  std::string kind;    // "table" | "column" | "constraint" | "index"
  std::string table;   // physical table name
  std::string name;    // column, constraint or index name; "" for a table
  std::string change;  // "missing" (recorded, not live) | "added" (live, not recorded) | "changed"
  std::string field;   // what changed ("type", "nullable", "default", ...); "" otherwise
  std::string expected;  // the recorded value (or the object's description when missing)
  std::string actual;    // the live value (or the object's description when added)

  bool operator==(const Difference&) const = default;
};

// Every difference between `expected` and `live`, matched by physical names:
// tables (added, missing, comment, partitioning), columns (type, nullability,
// default, generated, identity, comment), constraints (type, definition,
// validation) and indexes (definition, validity). Ordered by table, then
// columns, constraints, indexes. An added or missing table is one difference.
std::vector<Difference> Diff(const schema::Schema& expected, const schema::Schema& live);

// "column users.email: type changed: recorded text, live character varying(100)".
std::string ToString(const Difference& difference);
nlohmann::json ToJson(const Difference& difference);

struct Reference {
  schema::Schema schema;
  std::string migration;  // the state row it comes from
  std::string source;     // what was recorded, for the user ("after complete", ...)
};

// The schema the history says is live: the catalog zeroshift recorded after
// the latest migration's last step (its start when it is still active, its
// complete, or the baseline). Rows written by an older zeroshift lack that
// record: then the resulting virtual schema of the latest completed
// migration. NotFound when the history is empty or records no schema.
Result<Reference> ReferenceSchema(const std::vector<state::MigrationRecord>& records);

}  // namespace zs::history
