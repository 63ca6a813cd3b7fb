// The state store on PostgreSQL: the schema `zeroshift` of the target
// database (jsonb columns, a partial unique index for the one active migration
// per schema), and the schema's advisory lock of pg/schema_lock.h. Its *Sql
// methods' text runs in the transaction of the DDL it goes with.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pg/connection.h"
#include "state/state_store.h"

namespace zs::state {

class PostgresStateStore final : public StateStore {
 public:
  // Works through `conn`, which must outlive the store.
  explicit PostgresStateStore(pg::Connection& conn) : conn_(conn) {}

  Status Init() override;
  Result<bool> IsInitialized() override;
  Status RequireInitialized() override;
  Status Upgrade() override;

  // Both refuse a standby in recovery, naming it and saying to use the
  // primary (or, after a failover, the promoted standby).
  Status AcquireSchemaLock(const std::string& schema) override;
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
  // kInvalidInput, naming the server, when `conn_` is a standby in recovery.
  Status RequirePrimary();
  Result<std::optional<StoredMigration>> QueryOne(const std::string& where_sql,
                                                  const std::string& schema);
  pg::Connection& conn_;
};

}  // namespace zs::state
