// `zeroshift convert`: a plain SQL migration in, the equivalent pgroll-format
// migration out, so that the same change runs expand-contract. ADD COLUMN,
// CREATE INDEX, ADD CONSTRAINT, SET/DROP NOT NULL, SET/DROP DEFAULT, TYPE,
// RENAME, DROP and CREATE TABLE map to their operations; an UPDATE that fills
// a column the file added becomes that column's `up`, and a DROP COLUMN whose
// data went into added columns gets the matching `down`. Anything else becomes
// an `sql` operation with a warning.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "migration/migration.h"

namespace zs::convert {

struct Conversion {
  migration::Migration migration;
  std::vector<std::string> warnings;  // "file:line: what to check by hand"
};

// Converts the SQL `text` of `file_name`. Fails when a statement does not
// parse (naming file:line:column) or when nothing is left to convert.
Result<Conversion> ConvertSql(std::string_view text, const std::string& file_name);

// The migration as YAML, keys in the order of pgroll's documentation; with
// `name` only when the migration sets one.
std::string ToYaml(const migration::Migration& migration);
// The same as indented JSON.
std::string ToPrettyJson(const migration::Migration& migration);

}  // namespace zs::convert
