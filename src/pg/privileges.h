// What zeroshift cannot do as the role it connected as, said up front: it
// runs as a role that owns the tables and has CREATE on the database (managed
// PostgreSQL services give no superuser), and the features that need more
// degrade instead of failing. `start` prints these notes and `status` lists
// them (privilege_notes).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "pg/connection.h"

namespace zs::pg {

// One sentence per missing privilege, each naming what degrades and the grant
// that restores it; empty for a superuser.
Result<std::vector<std::string>> PrivilegeNotes(Connection& conn);

}  // namespace zs::pg
