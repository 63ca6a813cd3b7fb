#include "state/load_migration.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace zs::state {

namespace {

// What to do about a row that cannot be read back: only a person can say
// what it should hold.
constexpr const char* kDamagedAdvice =
    "the state row in zeroshift.migrations was changed by hand or damaged; run `zeroshift "
    "doctor` and repair or restore the row";

Result<schema::Schema> ParseSchema(const std::string& text, const std::string& migration,
                                   const char* what) {
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return Internal(fmt::format("the {} recorded with migration \"{}\" is not valid JSON; {}", what,
                                migration, kDamagedAdvice));
  }
  Result<schema::Schema> schema = schema::SchemaFromJson(json);
  if (!schema.ok()) {
    return schema.status().WithContext(
        fmt::format("the {} recorded with migration \"{}\"", what, migration));
  }
  return schema;
}

Result<std::optional<schema::Schema>> ParseOptionalSchema(const std::string& text,
                                                          const std::string& migration,
                                                          const char* what) {
  if (text.empty()) return std::optional<schema::Schema>();
  ZS_ASSIGN_OR_RETURN(schema::Schema schema, ParseSchema(text, migration, what));
  return std::optional<schema::Schema>(std::move(schema));
}

Result<std::vector<schema::Schema>> ParseSnapshots(const std::string& text,
                                                   const std::string& migration) {
  std::vector<schema::Schema> snapshots;
  if (text.empty()) return snapshots;
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_array()) {
    return Internal(
        fmt::format("the schema snapshots recorded with migration \"{}\" are not a JSON array; {}",
                    migration, kDamagedAdvice));
  }
  for (const auto& item : json) {
    Result<schema::Schema> snapshot = schema::SchemaFromJson(item);
    if (!snapshot.ok()) {
      return snapshot.status().WithContext(fmt::format(
          "schema snapshot {} recorded with migration \"{}\"", snapshots.size(), migration));
    }
    snapshots.push_back(std::move(snapshot).value());
  }
  return snapshots;
}

template <typename Row>
Result<std::optional<MigrationRecord>> LoadOptional(const Result<std::optional<Row>>& row) {
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<MigrationRecord>();
  ZS_ASSIGN_OR_RETURN(MigrationRecord record, LoadMigration(*row.value()));
  return std::optional<MigrationRecord>(std::move(record));
}

}  // namespace

Result<MigrationRecord> LoadMigration(const StoredMigration& row) {
  MigrationRecord record{.schema = row.schema,
                         .name = row.name,
                         .migration_json = row.migration_json,
                         .parent = row.parent,
                         .done = row.done,
                         .version_schema = row.version_schema,
                         .baseline = row.baseline,
                         .parts = row.parts,
                         .actions_done = row.actions_done,
                         .created_at = row.created_at,
                         .updated_at = row.updated_at};
  ZS_ASSIGN_OR_RETURN(record.step, StepFromStored(row.step, row.name));
  ZS_ASSIGN_OR_RETURN(record.snapshots, ParseSnapshots(row.snapshots_json, row.name));
  ZS_ASSIGN_OR_RETURN(record.resulting_schema,
                      ParseOptionalSchema(row.resulting_schema_json, row.name, "resulting schema"));
  ZS_ASSIGN_OR_RETURN(record.live_schema,
                      ParseOptionalSchema(row.live_schema_json, row.name, "schema"));
  return record;
}

Result<std::optional<MigrationRecord>> LoadActiveMigration(StateStore& store,
                                                           const std::string& schema) {
  return LoadOptional(store.ActiveRow(schema));
}

Result<std::optional<MigrationRecord>> LoadLatestDoneMigration(StateStore& store,
                                                               const std::string& schema) {
  return LoadOptional(store.LatestDoneRow(schema));
}

Result<std::vector<MigrationRecord>> LoadHistory(StateStore& store, const std::string& schema) {
  ZS_ASSIGN_OR_RETURN(std::vector<StoredMigration> rows, store.HistoryRows(schema));
  std::vector<MigrationRecord> records;
  records.reserve(rows.size());
  for (const auto& row : rows) {
    ZS_ASSIGN_OR_RETURN(MigrationRecord record, LoadMigration(row));
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace zs::state
