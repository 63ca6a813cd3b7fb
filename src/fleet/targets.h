// The targets of a fleet: the databases (shards, tenants) one migration runs
// across, each a name and a connection URL. From a file of `name url` lines or
// from a query, run on one database, whose rows are (name, url).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace zs::fleet {

struct Target {
  std::string name;  // [A-Za-z0-9_.-]+, unique in the fleet: the journal's key
  std::string url;   // may hold a password: print only pg::RedactPassword(url)
};

// Parses `text`: one `name url` per line; blank lines and lines starting
// with `#` are skipped. `source` names the file in messages. Refuses a
// malformed line (by number, never echoing the URL), a duplicate name, an
// empty fleet and a URL no backend of this build serves.
Result<std::vector<Target>> ParseTargets(std::string_view text, const std::string& source);

// ParseTargets of the file at `path`.
Result<std::vector<Target>> LoadTargetsFile(const std::string& path);

// Runs `sql` on `url`; its first two columns of each row are a target's name
// and URL (checked as ParseTargets checks a file's lines).
Result<std::vector<Target>> QueryTargets(const std::string& url, const std::string& sql);

}  // namespace zs::fleet
