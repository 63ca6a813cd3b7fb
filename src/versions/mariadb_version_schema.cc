#include "versions/mariadb_version_schema.h"

#include <fmt/format.h>

#include <cstdint>
#include <functional>

#include "mysql/connection.h"
#include "ops/names.h"

namespace zs::versions {

namespace {

using mysql::QuoteIdentifier;
using mysql::QuoteLiteral;

// The privileges a client of the version uses through a view.
constexpr const char* kMariadbDataPrivileges = "('SELECT', 'INSERT', 'UPDATE', 'DELETE')";

std::string MariadbVersionQualified(const std::string& database, const std::string& name) {
  return QuoteIdentifier(database) + "." + QuoteIdentifier(name);
}

// Names in information_schema compare case-insensitively (utf8mb3_general_ci),
// database and table names on the server do not: compare bytes.
std::string MariadbNameIs(const char* column, const std::string& name) {
  return fmt::format("{} = BINARY {}", column, QuoteLiteral(name));
}

// Rows of an information_schema privileges view with, besides `columns`,
// zs_grantee: its GRANTEE ('user'@'host', printed without escaping) as GRANT
// spells it, split at the last '@' between quotes and each part re-quoted
// with QUOTE(); an empty host is a role, named alone.
std::string MariadbGranteeRows(const std::string& columns, const std::string& from_where) {
  return fmt::format(
      "SELECT {}, IF(p.zs_host_part = '''', QUOTE(SUBSTRING(p.GRANTEE, 2, CHAR_LENGTH(p.GRANTEE) - "
      "5)), CONCAT(QUOTE(SUBSTRING(p.GRANTEE, 2, CHAR_LENGTH(p.GRANTEE) - "
      "CHAR_LENGTH(p.zs_host_part) - 4)), '@', QUOTE(LEFT(p.zs_host_part, "
      "CHAR_LENGTH(p.zs_host_part) - 1)))) AS zs_grantee FROM (SELECT s.*, "
      "SUBSTRING_INDEX(s.GRANTEE, '''@''', -1) AS zs_host_part FROM {}) p",
      columns, from_where);
}

// A loop running `statement` (an SQL expression over the row `g`) for each
// row of `rows`.
std::string MariadbForEach(const std::string& rows, const std::string& statement) {
  return fmt::format("  FOR g IN ({}) DO\n    EXECUTE IMMEDIATE {};\n  END FOR;\n", rows,
                     statement);
}

std::string MariadbGrantOption() { return "IF(g.IS_GRANTABLE = 'YES', ' WITH GRANT OPTION', '')"; }

// The (physical column, view column) pairs of `table` as a derived table, the
// view column already quoted for the GRANT statement.
std::string MariadbColumnPairs(const schema::Table& table) {
  std::string out;
  for (const auto& column : table.columns) {
    out += fmt::format("{}SELECT {} AS zs_physical, {} AS zs_view_column",
                       out.empty() ? "" : " UNION ALL ", QuoteLiteral(column.physical_name),
                       QuoteLiteral(QuoteIdentifier(column.name)));
  }
  return out.empty() ? "SELECT NULL AS zs_physical, NULL AS zs_view_column" : out;
}

std::string MariadbViewSql(const schema::Table& table, const std::string& base_database,
                           const std::string& version) {
  std::string select_list;
  for (const auto& column : table.columns) {
    if (!select_list.empty()) select_list += ", ";
    select_list += QuoteIdentifier(column.physical_name);
    if (column.physical_name != column.name) select_list += " AS " + QuoteIdentifier(column.name);
  }
  return fmt::format(
      "CREATE OR REPLACE ALGORITHM = MERGE SQL SECURITY INVOKER VIEW {} AS SELECT {} FROM {}",
      MariadbVersionQualified(version, table.name), select_list,
      MariadbVersionQualified(base_database, table.physical_name));
}

// The version's database, refused when a database of that name exists
// without zeroshift's comment.
std::string MariadbCreateDatabaseSql(const std::string& base_database, const std::string& version) {
  std::string comment = MariadbVersionComment(base_database);
  std::string message = fmt::format(
      "zeroshift: database {} exists and was not created by zeroshift as a version (its comment "
      "is not {}); rename or drop it, or give the migration another version_schema",
      QuoteIdentifier(version), QuoteLiteral(comment));
  return fmt::format(
      "BEGIN NOT ATOMIC\n"
      "  IF EXISTS (SELECT 1 FROM information_schema.SCHEMATA WHERE {} AND NOT SCHEMA_COMMENT <=> "
      "{}) THEN\n"
      "    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = {};\n"
      "  END IF;\n"
      "  CREATE DATABASE IF NOT EXISTS {} COMMENT {};\n"
      "END",
      MariadbNameIs("SCHEMA_NAME", version), QuoteLiteral(comment), QuoteLiteral(message),
      QuoteIdentifier(version), QuoteLiteral(comment));
}

// Revokes every grant on the version database and its views (table, column
// and database level): DROP DATABASE leaves them in the grant tables.
std::string MariadbRevokeAll(const std::string& version) {
  std::string in_version = MariadbNameIs("TABLE_SCHEMA", version);
  std::string on_table = fmt::format("CONCAT({}, '.`', REPLACE(g.TABLE_NAME, '`', '``'), '`')",
                                     QuoteLiteral(QuoteIdentifier(version)));
  std::string on_database = QuoteLiteral(QuoteIdentifier(version) + ".*");
  std::string table_rows = fmt::format(
      "(SELECT GRANTEE, TABLE_NAME, IS_GRANTABLE FROM information_schema.TABLE_PRIVILEGES WHERE "
      "{0} UNION SELECT GRANTEE, TABLE_NAME, 'NO' FROM information_schema.COLUMN_PRIVILEGES "
      "WHERE {0}) s",
      in_version);
  std::string database_rows =
      fmt::format("information_schema.SCHEMA_PRIVILEGES s WHERE {}", in_version);
  return MariadbForEach(
             "SELECT DISTINCT g2.zs_grantee, g2.TABLE_NAME FROM (" +
                 MariadbGranteeRows("p.TABLE_NAME", table_rows + " WHERE s.IS_GRANTABLE = 'YES'") +
                 ") g2",
             fmt::format("CONCAT('REVOKE GRANT OPTION ON ', {}, ' FROM ', g.zs_grantee)",
                         on_table)) +
         MariadbForEach("SELECT DISTINCT g2.zs_grantee, g2.TABLE_NAME FROM (" +
                            MariadbGranteeRows("p.TABLE_NAME", table_rows) + ") g2",
                        fmt::format("CONCAT('REVOKE ALL PRIVILEGES ON ', {}, ' FROM ', "
                                    "g.zs_grantee)",
                                    on_table)) +
         MariadbForEach("SELECT DISTINCT g2.zs_grantee FROM (" +
                            MariadbGranteeRows("p.IS_GRANTABLE",
                                               database_rows + " AND s.IS_GRANTABLE = 'YES'") +
                            ") g2",
                        fmt::format("CONCAT('REVOKE GRANT OPTION ON ', {}, ' FROM ', "
                                    "g.zs_grantee)",
                                    on_database)) +
         MariadbForEach("SELECT DISTINCT g2.zs_grantee FROM (" +
                            MariadbGranteeRows("p.IS_GRANTABLE", database_rows) + ") g2",
                        fmt::format("CONCAT('REVOKE ALL PRIVILEGES ON ', {}, ' FROM ', "
                                    "g.zs_grantee)",
                                    on_database));
}

class MariadbVersionSql final : public VersionSql {
 public:
  std::string VersionName(const std::string& database, const std::string& migration_name,
                          const std::string& version_schema_override) const override {
    return MariadbVersionDatabaseName(database, migration_name, version_schema_override);
  }

  // MariaDB refuses what it cannot keep (more than 64 characters, a
  // character above U+FFFF, a trailing space) rather than cutting it;
  // VersionName already hashes a longer name down to 64 characters.
  Status CheckName(const std::string& version, const std::string& migration) const override {
    Result<std::string> quoted = mysql::QuoteIdentifierChecked(version);
    if (quoted.ok()) return Status::Ok();
    return InvalidInput(fmt::format(
        "{}: the version database \"{}\" cannot be created: {}; give the migration another "
        "`name`, or set another `version_schema`",
        migration, version, quoted.status().message()));
  }

  // The database, then each table's view, then each table's grants.
  std::vector<ops::Action> CreateActions(const schema::Schema& shape, const std::string& version,
                                         int /*server_version_num*/) const override {
    std::vector<ops::Action> actions;
    actions.push_back({.id = "version:" + version + ":database",
                       .sql = MariadbCreateDatabaseSql(shape.name, version),
                       .lock = ops::Lock::kNone});
    for (const auto& table : shape.tables) {
      actions.push_back({.id = "version:" + version + ":view:" + table.name,
                         .sql = MariadbViewSql(table, shape.name, version),
                         .lock = ops::Lock::kAccessShare,
                         .table = table.physical_name,
                         .lock_text = ops::MariadbLockText(ops::MariadbLock::kReads)});
    }
    for (const auto& table : shape.tables) {
      actions.push_back({.id = "version:" + version + ":grants:" + table.name,
                         .sql = CopyGrantsSql(table, shape.name, version),
                         .lock = ops::Lock::kNone});
    }
    return actions;
  }

  std::string CopyGrantsSql(const schema::Table& table, const std::string& base_database,
                            const std::string& version) const override {
    std::string view = QuoteLiteral(MariadbVersionQualified(version, table.name));
    std::string database_rows =
        fmt::format("information_schema.SCHEMA_PRIVILEGES s WHERE {} AND s.PRIVILEGE_TYPE IN {}",
                    MariadbNameIs("s.TABLE_SCHEMA", base_database), kMariadbDataPrivileges);
    std::string in_table = fmt::format(
        "{} AND {} AND s.PRIVILEGE_TYPE IN {}", MariadbNameIs("s.TABLE_SCHEMA", base_database),
        MariadbNameIs("s.TABLE_NAME", table.physical_name), kMariadbDataPrivileges);
    std::string column_rows = fmt::format(
        "(SELECT c.*, m.zs_view_column FROM information_schema.COLUMN_PRIVILEGES c JOIN ({}) m "
        "ON m.zs_physical = c.COLUMN_NAME) s WHERE {}",
        MariadbColumnPairs(table), in_table);
    return "BEGIN NOT ATOMIC\n" +
           MariadbForEach(
               MariadbGranteeRows("p.PRIVILEGE_TYPE, p.IS_GRANTABLE", database_rows),
               fmt::format("CONCAT('GRANT ', g.PRIVILEGE_TYPE, ' ON ', {}, ' TO ', "
                           "g.zs_grantee, {})",
                           QuoteLiteral(QuoteIdentifier(version) + ".*"), MariadbGrantOption())) +
           MariadbForEach(
               MariadbGranteeRows("p.PRIVILEGE_TYPE, p.IS_GRANTABLE",
                                  "information_schema.TABLE_PRIVILEGES s WHERE " + in_table),
               fmt::format("CONCAT('GRANT ', g.PRIVILEGE_TYPE, ' ON ', {}, ' TO ', "
                           "g.zs_grantee, {})",
                           view, MariadbGrantOption())) +
           MariadbForEach(
               MariadbGranteeRows("p.PRIVILEGE_TYPE, p.IS_GRANTABLE, p.zs_view_column",
                                  column_rows),
               fmt::format("CONCAT('GRANT ', g.PRIVILEGE_TYPE, ' (', g.zs_view_column, ') ON ', "
                           "{}, ' TO ', g.zs_grantee, {})",
                           view, MariadbGrantOption())) +
           "END";
  }

  // After complete every table and column has its version's name as its
  // physical name, so each view is made again over those names. Until this
  // runs, a view over a renamed column fails; CREATE OR REPLACE can repeat.
  std::vector<ops::Action> CompleteActions(const schema::Schema& shape,
                                           const std::string& version) const override {
    std::vector<ops::Action> actions;
    for (schema::Table table : shape.tables) {
      table.physical_name = table.name;
      for (auto& column : table.columns) column.physical_name = column.name;
      actions.push_back({.id = "version:" + version + ":rebind:" + table.name,
                         .sql = MariadbViewSql(table, shape.name, version),
                         .lock = ops::Lock::kAccessShare,
                         .table = table.physical_name,
                         .lock_text = ops::MariadbLockText(ops::MariadbLock::kReads)});
    }
    return actions;
  }

  ops::Action DropAction(const std::string& version) const override {
    std::string ours = fmt::format(
        "SELECT 1 FROM information_schema.SCHEMATA WHERE {} AND LEFT(SCHEMA_COMMENT, {}) = {}",
        MariadbNameIs("SCHEMA_NAME", version),
        std::string_view(kMariadbVersionCommentPrefix).size(),
        QuoteLiteral(kMariadbVersionCommentPrefix));
    std::string message = fmt::format(
        "zeroshift: version database {} also holds tables or routines zeroshift did not create; "
        "move them to another database, then run again",
        QuoteIdentifier(version));
    std::string sql = fmt::format(
        "BEGIN NOT ATOMIC\n"
        "  IF EXISTS ({}) THEN\n"
        "    IF EXISTS (SELECT 1 FROM information_schema.TABLES WHERE {} AND TABLE_TYPE <> 'VIEW')"
        " OR EXISTS (SELECT 1 FROM information_schema.ROUTINES WHERE {}) THEN\n"
        "      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = {};\n"
        "    END IF;\n"
        "{}"
        "    DROP DATABASE {};\n"
        "  END IF;\n"
        "END",
        ours, MariadbNameIs("TABLE_SCHEMA", version), MariadbNameIs("ROUTINE_SCHEMA", version),
        QuoteLiteral(message), MariadbRevokeAll(version), QuoteIdentifier(version));
    return {.id = "version:" + version + ":drop", .sql = sql, .lock = ops::Lock::kNone};
  }
};

}  // namespace

std::string MariadbVersionComment(const std::string& base_database) {
  return kMariadbVersionCommentPrefix + QuoteIdentifier(base_database);
}

std::string MariadbVersionDatabaseName(const std::string& database,
                                       const std::string& migration_name,
                                       const std::string& version_schema_override) {
  std::string name =
      database + "_" + (version_schema_override.empty() ? migration_name : version_schema_override);
  if (name.size() <= mysql::kMaxIdentifierChars) return name;
  std::string hash = fmt::format("{:08x}", static_cast<uint32_t>(std::hash<std::string>{}(name)));
  return ops::ClipIdentifier(name, mysql::kMaxIdentifierChars - 1 - hash.size()) + "_" + hash;
}

const VersionSql& MariadbVersions() {
  static const MariadbVersionSql instance;
  return instance;
}

}  // namespace zs::versions
