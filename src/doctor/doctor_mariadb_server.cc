#include "doctor/doctor_mariadb_server.h"

#include <fmt/format.h>

#include <vector>

#include "backend/mariadb_backend.h"
#include "engine/ownership_mariadb.h"
#include "mysql/connection.h"
#include "triggers/mariadb_dual_write.h"

namespace zs::doctor::detail {

namespace {

constexpr const char* kMariadbDoctorMdlWait = "Waiting for table metadata lock";

// One connection, as the rows below select it: id, user@host, command, state,
// seconds (in its state, or its transaction's age), statement.
std::string MariadbDoctorConnection(const mysql::Rows& rows, int row) {
  std::string text =
      fmt::format("connection {} ({}, {}", rows.Get(row, 0), rows.Get(row, 1), rows.Get(row, 2));
  if (!rows.Get(row, 3).empty()) text += ", " + rows.Get(row, 3);
  if (!rows.Get(row, 5).empty()) text += ", statement: " + rows.Get(row, 5);
  return text + ")";
}

constexpr const char* kMariadbDoctorTrxColumns =
    "p.ID, CONCAT(p.USER, '@', p.HOST), p.COMMAND, COALESCE(p.STATE, ''), "
    "COALESCE(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), 0), LEFT(COALESCE(p.INFO, ''), 200)";

Status MariadbFindLockQueue(mysql::Connection& conn, const std::string& schema, Report& report) {
  // A waiter's table is not in PROCESSLIST: a statement run from this
  // database, or naming it, is taken to wait on one of its tables.
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows waiters,
      conn.Exec(fmt::format(
          "SELECT p.ID, CONCAT(p.USER, '@', p.HOST), p.COMMAND, '', p.TIME, "
          "LEFT(COALESCE(p.INFO, ''), 200) FROM information_schema.PROCESSLIST p WHERE p.STATE = "
          "{} AND p.ID <> CONNECTION_ID() AND (p.DB = {} OR INSTR(COALESCE(p.INFO, ''), {}) > 0) "
          "ORDER BY p.TIME DESC, p.ID",
          mysql::QuoteLiteral(kMariadbDoctorMdlWait), mysql::QuoteLiteral(schema),
          mysql::QuoteLiteral(schema))));
  if (waiters.empty()) return Status::Ok();
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows holders,
      conn.Exec(fmt::format("SELECT {} FROM information_schema.INNODB_TRX t JOIN "
                            "information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id "
                            "WHERE p.ID <> CONNECTION_ID() AND COALESCE(p.STATE, '') <> {} "
                            "ORDER BY 5 DESC, 1",
                            kMariadbDoctorTrxColumns, mysql::QuoteLiteral(kMariadbDoctorMdlWait))));
  std::string held_by;
  std::string kills;
  for (int h = 0; h < holders.size(); ++h) {
    held_by += (h > 0 ? "; " : "") + MariadbDoctorConnection(holders, h) +
               fmt::format(" with a transaction open for {} s", holders.Get(h, 4));
    kills += (h > 0 ? ", " : "") + fmt::format("KILL {}", holders.Get(h, 0));
  }
  for (int w = 0; w < waiters.size(); ++w) {
    report.findings.push_back(
        {.kind = kMetadataLockQueue,
         .object = "connection " + waiters.Get(w, 0),
         .reason = fmt::format(
             "{} has waited {} s for the metadata lock of a table of database {}; every "
             "statement on that table after it queues behind it. {}; end {} (COMMIT or ROLLBACK "
             "in the application, or {}) or cancel the waiting statement (KILL QUERY {})",
             MariadbDoctorConnection(waiters, w), waiters.Get(w, 4), mysql::QuoteIdentifier(schema),
             holders.empty() ? "No open transaction was found: a LOCK TABLES or a "
                               "non-InnoDB table may hold it"
                             : "Open transactions that may hold it: " + held_by,
             holders.empty() ? "whatever holds it" : "those transactions",
             holders.empty() ? "KILL <id>" : kills, waiters.Get(w, 0)),
         .zeroshift_owned = false});
  }
  return Status::Ok();
}

Status MariadbFindLongTransactions(mysql::Connection& conn, int threshold_s, Report& report) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn.Exec(fmt::format(
          "SELECT {} FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p "
          "ON p.ID = t.trx_mysql_thread_id WHERE p.ID <> CONNECTION_ID() AND "
          "TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) >= {} ORDER BY 5 DESC, 1",
          kMariadbDoctorTrxColumns, threshold_s)));
  for (int r = 0; r < rows.size(); ++r) {
    report.findings.push_back(
        {.kind = kLongTransaction,
         .object = "connection " + rows.Get(r, 0),
         .reason = fmt::format(
             "{} has had a transaction open for {} s (reported from {} s on); it holds the "
             "metadata lock of every table it touched, so the next zeroshift DDL on those "
             "tables waits for it and the application's statements queue behind that; end it "
             "(COMMIT or ROLLBACK in the application, or KILL {})",
             MariadbDoctorConnection(rows, r), rows.Get(r, 4), threshold_s, rows.Get(r, 0)),
         .zeroshift_owned = false});
  }
  return Status::Ok();
}

Status MariadbCheckTriggerModes(backend::Session& session, mysql::Connection& conn,
                                const std::string& schema, Report& report) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn.Exec(fmt::format("SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, SQL_MODE FROM "
                            "information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = {} AND "
                            "TRIGGER_NAME LIKE '\\_zs\\_%' AND SQL_MODE <> {} ORDER BY 1, 2",
                            mysql::QuoteLiteral(schema),
                            mysql::QuoteLiteral(triggers::kMariadbTriggerSqlMode))));
  for (int r = 0; r < rows.size(); ++r) {
    std::string table = rows.Get(r, 0), name = rows.Get(r, 1);
    engine::ObjectRef ref{
        .kind = engine::kObjTrigger, .schema = schema, .table = table, .name = name};
    ZS_ASSIGN_OR_RETURN(bool ours, engine::MariadbOwnsObject(session, ref));
    if (!ours) continue;
    report.findings.push_back(
        {.kind = kServerSetting,
         .object = mysql::QuoteIdentifier(schema) + "." + mysql::QuoteIdentifier(name),
         .reason = fmt::format(
             "zeroshift's trigger on table {} was created under sql_mode {}, not zeroshift's "
             "{}: MariaDB parses its body under that mode on every load, so `||`, quotes or "
             "backslashes in its expressions may mean something else; create it again with "
             "zeroshift (`zeroshift rollback`, then `zeroshift start`), not by hand",
             mysql::QuoteIdentifier(table), mysql::QuoteLiteral(rows.Get(r, 2)),
             mysql::QuoteLiteral(triggers::kMariadbTriggerSqlMode))});
  }
  return Status::Ok();
}

Status MariadbCheckBinlogFormat(mysql::Connection& conn, Report& report) {
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                      conn.Exec("SELECT @@GLOBAL.log_bin, @@GLOBAL.binlog_format"));
  if (rows.Get(0, 0) != "1" || rows.Get(0, 1) != "STATEMENT") return Status::Ok();
  report.findings.push_back(
      {.kind = kServerSetting,
       .object = "binlog_format",
       .reason = "the server writes its binary log by statement (binlog_format=STATEMENT): a "
                 "replica runs the dual-write triggers and the backfill's UPDATEs again itself, "
                 "so an `up` or `down` that is not deterministic (NOW(), UUID(), RAND()) or "
                 "reads another table gives the replica other values; run SET GLOBAL "
                 "binlog_format = 'MIXED' (or 'ROW') and set it in the server's configuration",
       .zeroshift_owned = false});
  return Status::Ok();
}

}  // namespace

Status MariadbCheckServer(backend::Session& session, const std::string& schema,
                          const MariadbDoctorOptions& options, Report& report) {
  mysql::Connection& conn = backend::MariadbConnection(session);
  ZS_RETURN_IF_ERROR(MariadbFindLockQueue(conn, schema, report));
  ZS_RETURN_IF_ERROR(MariadbFindLongTransactions(conn, options.long_transaction_s, report));
  ZS_RETURN_IF_ERROR(MariadbCheckTriggerModes(session, conn, schema, report));
  return MariadbCheckBinlogFormat(conn, report);
}

}  // namespace zs::doctor::detail
