// What hangs on one column of a MariaDB table besides the indexes and
// constraints the schema model carries: the MariaDB answer behind
// ReadColumnDependents(backend::Session&, ...) (dependents.h).
//
// MariaDB 10.11 records no dependencies (no pg_depend, and no
// information_schema.VIEW_COLUMN_USAGE or VIEW_TABLE_USAGE: measured), so they
// are found in the text the server keeps:
//   - "view": a view, in any database, whose VIEWS.VIEW_DEFINITION names the
//     table (the server stores it qualified: `db`.`table`) and names the column
//     in backticks. A view reading another column of the table through an
//     alias that happens to share the column's name is reported too: better
//     refused than broken. Views the user may not SHOW VIEW read as empty and
//     are missed.
//   - "generated column": another column of the table whose
//     GENERATION_EXPRESSION names the column.
//   - "trigger body": a trigger on the table whose ACTION_STATEMENT names the
//     column, quoted or bare, outside literals and comments. MariaDB lets the
//     column be dropped, and every later write to the table then fails (1054):
//     ../shared/design/mariadb.md. zeroshift's own triggers (named "_zs_...")
//     are left out: the migration replaces them.
// Not found: triggers on other tables and stored routines or events whose SQL
// names the column (MariaDB checks those only when they run).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "schema/dependents.h"

namespace zs::mysql {
class Connection;
}

namespace zs::schema {

// The prefix of the triggers zeroshift creates, which are not dependents.
inline constexpr char kMariadbZeroshiftTriggerPrefix[] = "_zs_";

// The objects that depend on column `column` of `database`.`table`, ordered by
// kind then description; views in `ignored_databases` (zeroshift's version
// databases) left out.
Result<std::vector<Dependent>> ReadMariadbColumnDependents(
    mysql::Connection& conn, const std::string& database, const std::string& table,
    const std::string& column, const std::vector<std::string>& ignored_databases);

}  // namespace zs::schema
