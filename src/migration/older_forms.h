// Forms of the migration format that earlier pgroll versions accepted and
// later ones changed. A team's history holds files written for those
// versions; they are read by rewriting the YAML tree into today's form before
// the strict reader sees it, and each rewrite is recorded so that the user
// can be told once and `zeroshift update` can rewrite the file itself.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "migration/migration.h"

namespace zs::migration {

struct OlderForm {
  SourceLocation location;  // where the older form starts
  std::string description;  // "create_index.columns as a list of names (pgroll before v0.10)"
};

// Rewrites, in `operations` (the migration's operations sequence, modified in
// place), every older form into the current one, and appends what it found
// to `found`. Nodes of the file are reused, so later errors keep their
// file:line:col. Anything it does not recognise is left for the reader to
// report.
//   create_index.columns: [a, b]            -> [{column: a}, {column: b}]   (pgroll #697, v0.10)
//   create_index.columns: {a: {sort: DESC}} -> [{column: a, sort: DESC}]    (pgroll #1009, v0.16)
//   alter_column.name: new                  -> a rename_column after it     (pgroll #603, v0.6)
//   drop_constraint.column                  -> dropped; the name suffices   (pgroll #431, v0.5)
void UpgradeOlderForms(const std::string& file, YAML::Node operations,
                       std::vector<OlderForm>* found);

}  // namespace zs::migration
