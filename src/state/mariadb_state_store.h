// The state store on MariaDB: a database `zeroshift` on the server (a MariaDB
// "schema" is a database, so the state cannot live inside the application's
// schema as on PostgreSQL), with the same tables in InnoDB: JSON kept as
// LONGTEXT checked by JSON_VALID, utf8mb4 with byte-exact comparison,
// timestamps from the server's UTC clock with microseconds. The schema lock is
// the Session's GET_LOCK (backend/mariadb_backend.h).
//
// MariaDB commits DDL implicitly, so the SQL of SetStepSql, ActionsDoneSql,
// MarkDoneSql and DeleteSql cannot commit together with the DDL it records:
// it runs right after that DDL (see the contract in state_store.h). Each text
// is one or more statements, each ending in ";\n" (MariadbStatements splits
// it: a connection runs one statement per call).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/backend.h"
#include "mysql/connection.h"
#include "state/state_store.h"

namespace zs::state {

// The name of the state database.
inline constexpr const char* kMariadbStateDatabase = "zeroshift";
// The length of a backfill cursor's name (backfill_cursors.table_name):
// `<table>.<touch column>` and a range's ` range i/N` (state_store.h) fit.
inline constexpr int kMariadbCursorNameLength = 255;

// The statements of a text from a *Sql method, without their ';', in order.
// Splitting at ";\n" is sound because mysql::QuoteLiteral escapes every
// newline, so no literal contains one.
std::vector<std::string> MariadbStatements(const std::string& sql);

class MariadbStateStore final : public StateStore {
 public:
  // Works through `session`, a MariaDB session that must outlive the store.
  // `database` is the state database: tests name one of their own, since the
  // state database is server-wide and their server is shared.
  explicit MariadbStateStore(backend::Session& session,
                             std::string database = kMariadbStateDatabase);

  const std::string& database() const { return database_; }

  Status Init() override;
  Result<bool> IsInitialized() override;
  Status RequireInitialized() override;
  Status Upgrade() override;

  // The Session's GET_LOCK('zeroshift:<schema>').
  Status AcquireSchemaLock(const std::string& schema) override;
  // The connection holding that lock: `pid` its connection id, `client` its
  // user@host ("" without the PROCESS privilege). `application_name` and
  // `backend_start` stay "": MariaDB shows neither without performance_schema,
  // which is off by default.
  Result<std::optional<LockHolder>> SchemaLockHolder(const std::string& schema) override;

  Result<std::optional<StoredMigration>> ActiveRow(const std::string& schema) override;
  Result<std::optional<StoredMigration>> LatestDoneRow(const std::string& schema) override;
  Result<std::vector<StoredMigration>> HistoryRows(const std::string& schema) override;

  Status Insert(const MigrationRecord& record) override;
  Status SetLiveSchema(const std::string& schema, const std::string& name,
                       const schema::Schema& live_schema) override;
  std::string SetStepSql(const std::string& schema, const std::string& name,
                         Step step) const override;
  Status SetStep(const std::string& schema, const std::string& name, Step step) override;
  std::string ActionsDoneSql(const std::string& schema, const std::string& name,
                             int actions_done) const override;
  Status SetSnapshots(const std::string& schema, const std::string& name,
                      const std::vector<schema::Schema>& snapshots) override;
  std::string MarkDoneSql(const std::string& schema, const std::string& name,
                          const schema::Schema& resulting_schema) const override;
  std::string DeleteSql(const std::string& schema, const std::string& name) const override;

  Result<std::vector<BackfillCursor>> Cursors(const std::string& schema,
                                              const std::string& name) override;
  Status SaveCursor(const std::string& schema, const std::string& name,
                    const BackfillCursor& cursor, bool new_run = false) override;

  Result<BackfillControl> Control(const std::string& schema, const std::string& name) override;
  Status SetControl(const std::string& schema, const std::string& name,
                    const BackfillControl& control) override;

 private:
  // `sql` with {db} replaced by the quoted state database.
  std::string Sql(std::string_view sql) const;
  // Runs every statement of a *Sql method's text.
  Status RunAll(const std::string& sql);
  Result<std::optional<StoredMigration>> QueryOne(const std::string& where_sql,
                                                  const std::string& schema);

  backend::Session& session_;
  mysql::Connection& conn_;
  std::string database_;
  std::string db_;  // database_ quoted
};

}  // namespace zs::state
