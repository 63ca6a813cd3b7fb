#include "engine/ownership_mariadb_records.h"

#include <fmt/format.h>

#include <algorithm>

namespace zs::engine {

namespace {

// InnoDB's system tables name a table `database/table` in MariaDB's file-name
// encoding; for [0-9A-Za-z_] names that is the name itself. Other names get
// no identity (0) rather than a wrong one.
bool MariadbPlainName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  });
}

std::string MariadbInnodbName(const std::string& database, const std::string& table) {
  return mysql::QuoteLiteral(database + "/" + table);
}

// SQL of one row holding the InnoDB id of `ref`, or "" when it has none.
std::string MariadbIdentitySql(const ObjectRef& ref) {
  const std::string& table = ref.kind == kObjTable ? ref.name : ref.table;
  if (!MariadbPlainName(ref.schema) || !MariadbPlainName(table)) return "";
  if (ref.kind == kObjTable) {
    return "SELECT TABLE_ID FROM information_schema.INNODB_SYS_TABLES WHERE NAME = " +
           MariadbInnodbName(ref.schema, ref.name);
  }
  if (ref.kind == kObjIndex) {
    return fmt::format(
        "SELECT i.INDEX_ID FROM information_schema.INNODB_SYS_INDEXES i JOIN "
        "information_schema.INNODB_SYS_TABLES t ON t.TABLE_ID = i.TABLE_ID WHERE t.NAME = {} AND "
        "i.NAME = {}",
        MariadbInnodbName(ref.schema, ref.table), mysql::QuoteLiteral(ref.name));
  }
  return "";
}

// SQL of one row when `ref` exists (by name).
std::string MariadbExistsSql(const ObjectRef& ref) {
  std::string db = mysql::QuoteLiteral(ref.schema), table = mysql::QuoteLiteral(ref.table),
              name = mysql::QuoteLiteral(ref.name);
  if (ref.kind == kObjTable) {
    return fmt::format(
        "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {}", db,
        name);
  }
  if (ref.kind == kObjIndex) {
    return fmt::format(
        "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} "
        "AND INDEX_NAME = {} LIMIT 1",
        db, table, name);
  }
  if (ref.kind == kObjColumn) {
    return fmt::format(
        "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} AND "
        "COLUMN_NAME = {}",
        db, table, name);
  }
  if (ref.kind == kObjTrigger) {
    return fmt::format(
        "SELECT 1 FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = {} AND TRIGGER_NAME = {}",
        db, name);
  }
  if (ref.kind == kObjConstraint) {
    return fmt::format(
        "SELECT 1 FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = {} AND "
        "TABLE_NAME = {} AND CONSTRAINT_NAME = {}",
        db, table, name);
  }
  return fmt::format("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = {}",
                     mysql::QuoteLiteral(ref.name));
}

// `kind` `name` [of `db`.`table`], in MariaDB's quoting.
std::string MariadbDescribe(const ObjectRef& ref) {
  if (ref.kind == kObjTable || ref.table.empty()) {
    return fmt::format("{} {}.{}", ref.kind, mysql::QuoteIdentifier(ref.schema),
                       mysql::QuoteIdentifier(ref.name));
  }
  return fmt::format("{} {} of {}.{}", ref.kind, mysql::QuoteIdentifier(ref.name),
                     mysql::QuoteIdentifier(ref.schema), mysql::QuoteIdentifier(ref.table));
}

std::string MariadbRecordWhere(const ObjectRef& ref) {
  return fmt::format("kind = {} AND object_schema = {} AND table_name = {} AND name = {}",
                     mysql::QuoteLiteral(ref.kind), mysql::QuoteLiteral(ref.schema),
                     mysql::QuoteLiteral(ref.table), mysql::QuoteLiteral(ref.name));
}

}  // namespace

Result<std::optional<uint64_t>> MariadbLiveIdentity(mysql::Connection& conn, const ObjectRef& ref) {
  ZS_ASSIGN_OR_RETURN(mysql::Rows exists, conn.Exec(MariadbExistsSql(ref)));
  if (exists.empty()) return std::optional<uint64_t>();
  std::string sql = MariadbIdentitySql(ref);
  if (sql.empty()) return std::optional<uint64_t>(0);
  // Without the PROCESS privilege InnoDB's tables refuse (1227): no identity.
  Result<mysql::Rows> rows = conn.Exec(sql);
  if (!rows.ok() || rows->empty()) return std::optional<uint64_t>(0);
  return std::optional<uint64_t>(static_cast<uint64_t>(rows->GetInt(0, 0)));
}

std::string MariadbIntentSql(const MariadbRecordScope& scope, const ObjectRef& ref) {
  std::string db = mysql::QuoteIdentifier(scope.state_database);
  return fmt::format(
      "DELETE FROM {0}.created_objects WHERE {1};\n"
      "INSERT INTO {0}.created_objects (`schema`, migration, kind, object_schema, table_name, "
      "name, object_oid, attnum) VALUES ({2}, {3}, {4}, {5}, {6}, {7}, 0, -1);\n",
      db, MariadbRecordWhere(ref), mysql::QuoteLiteral(scope.schema),
      mysql::QuoteLiteral(scope.migration), mysql::QuoteLiteral(ref.kind),
      mysql::QuoteLiteral(ref.schema), mysql::QuoteLiteral(ref.table),
      mysql::QuoteLiteral(ref.name));
}

std::string MariadbDoneSql(const MariadbRecordScope& scope, const ObjectRef& ref,
                           uint64_t identity) {
  return fmt::format(
      "UPDATE {}.created_objects SET object_oid = {}, attnum = 0 WHERE {} AND `schema` = {} AND "
      "migration = {};\n",
      mysql::QuoteIdentifier(scope.state_database), identity, MariadbRecordWhere(ref),
      mysql::QuoteLiteral(scope.schema), mysql::QuoteLiteral(scope.migration));
}

std::string MariadbForgetObjectSql(const MariadbRecordScope& scope, const ObjectRef& ref) {
  return fmt::format(
      "DELETE FROM {}.created_objects WHERE {} AND `schema` = {} AND migration = {};\n",
      mysql::QuoteIdentifier(scope.state_database), MariadbRecordWhere(ref),
      mysql::QuoteLiteral(scope.schema), mysql::QuoteLiteral(scope.migration));
}

std::string MariadbForgetSql(const MariadbRecordScope& scope) {
  return fmt::format("DELETE FROM {}.created_objects WHERE `schema` = {} AND migration = {};\n",
                     mysql::QuoteIdentifier(scope.state_database),
                     mysql::QuoteLiteral(scope.schema), mysql::QuoteLiteral(scope.migration));
}

Result<std::vector<MariadbRecord>> MariadbRecords(mysql::Connection& conn,
                                                  const MariadbRecordScope& scope) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn.Exec(fmt::format(
          "SELECT kind, object_schema, table_name, name, object_oid, attnum FROM "
          "{}.created_objects WHERE `schema` = {} AND migration = {} ORDER BY created_at, name",
          mysql::QuoteIdentifier(scope.state_database), mysql::QuoteLiteral(scope.schema),
          mysql::QuoteLiteral(scope.migration))));
  std::vector<MariadbRecord> out;
  for (int i = 0; i < rows.size(); ++i) {
    out.push_back({.ref = {.kind = rows.Get(i, 0),
                           .schema = rows.Get(i, 1),
                           .table = rows.Get(i, 2),
                           .name = rows.Get(i, 3)},
                   .identity = static_cast<uint64_t>(std::stoull(rows.Get(i, 4))),
                   .done = rows.GetInt(i, 5) == 0});
  }
  return out;
}

const MariadbRecord* FindMariadbRecord(const std::vector<MariadbRecord>& records,
                                       const ObjectRef& ref) {
  for (const MariadbRecord& record : records) {
    // A UNIQUE constraint is an index on MariaDB: added as one, dropped as the other.
    auto index_like = [](const std::string& kind) {
      return kind == kObjIndex || kind == kObjConstraint;
    };
    bool same_kind =
        record.ref.kind == ref.kind || (index_like(record.ref.kind) && index_like(ref.kind));
    // A trigger's name is unique in its database: DROP TRIGGER names no table.
    bool same_table = record.ref.table == ref.table || ref.kind == kObjTrigger;
    if (same_kind && same_table && record.ref.schema == ref.schema && record.ref.name == ref.name) {
      return &record;
    }
  }
  return nullptr;
}

std::string MariadbReplacedReason(const MariadbRecord& record,
                                  const std::optional<uint64_t>& live) {
  // An intent without its identity: created in the window a kill -9 left
  // (see the header); a record without identity: name and markers only.
  if (!live || !record.done || record.identity == 0) return "";
  if (*live == record.identity) return "";
  return fmt::format(
      "its InnoDB id is {} but start recorded {}: it was dropped and created again, or its "
      "table was rebuilt, by someone else",
      *live, record.identity);
}

Result<std::vector<MariadbRecordDisagreement>> MariadbRecordDisagreements(
    mysql::Connection& conn, const MariadbRecordScope& scope) {
  ZS_ASSIGN_OR_RETURN(std::vector<MariadbRecord> records, MariadbRecords(conn, scope));
  std::vector<MariadbRecordDisagreement> out;
  for (const MariadbRecord& record : records) {
    if (!record.done) continue;  // its statement may never have run
    ZS_ASSIGN_OR_RETURN(std::optional<uint64_t> live, MariadbLiveIdentity(conn, record.ref));
    std::string reason = live ? MariadbReplacedReason(record, live) : "";
    if (live && reason.empty()) continue;
    out.push_back({.record = record,
                   .object = MariadbDescribe(record.ref),
                   .missing = !live,
                   .reason = std::move(reason)});
  }
  return out;
}

std::string MariadbDisagreementText(const MariadbRecordDisagreement& d,
                                    const std::string& migration, const std::string& step) {
  if (d.missing) {
    return fmt::format(
        "the state and the catalog disagree: migration \"{}\" (step {}) recorded creating {}, "
        "which is missing (dropped by hand, or the database was restored without it). Do not "
        "complete: `zeroshift rollback` undoes the migration, then start it again",
        migration, step, d.object);
  }
  return fmt::format(
      "{} is not the one migration \"{}\" (step {}) created: {}. `zeroshift rollback` and "
      "`zeroshift complete` leave it alone and say so; if it was zeroshift's after all (rebuilt "
      "by OPTIMIZE TABLE or an ALTER), drop it yourself once the migration is rolled back",
      d.object, migration, step, d.reason);
}

Result<std::vector<std::string>> MariadbRecordProblems(mysql::Connection& conn,
                                                       const MariadbRecordScope& scope,
                                                       const std::string& step) {
  ZS_ASSIGN_OR_RETURN(std::vector<MariadbRecordDisagreement> disagreements,
                      MariadbRecordDisagreements(conn, scope));
  std::vector<std::string> out;
  for (const MariadbRecordDisagreement& d : disagreements) {
    out.push_back(MariadbDisagreementText(d, scope.migration, step));
  }
  return out;
}

}  // namespace zs::engine
