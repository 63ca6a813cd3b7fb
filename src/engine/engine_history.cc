// The engine's reads of the history (the latest version, every row) and
// Engine::Baseline, which records the live schema as a completed migration.
#include "engine/engine.h"

#include <fmt/format.h>

#include "migration/names.h"
#include "migration/parser.h"
#include "state/load_migration.h"

namespace zs::engine {

Result<std::string> Engine::LatestVersionSchema() {
  ZS_ASSIGN_OR_RETURN(auto active, state::LoadActiveMigration(*state_, options_.schema));
  if (active) return active->version_schema;
  ZS_ASSIGN_OR_RETURN(auto done, state::LoadLatestDoneMigration(*state_, options_.schema));
  if (!done) return std::string();
  // A baseline has no version schema: clients use the schema itself.
  return done->baseline ? options_.schema : done->version_schema;
}

Status Engine::RequireInitialized() { return state_->RequireInitialized(); }

Result<std::vector<state::MigrationRecord>> Engine::History() {
  ZS_ASSIGN_OR_RETURN(bool initialized, state_->IsInitialized());
  if (!initialized) return std::vector<state::MigrationRecord>();
  return state::LoadHistory(*state_, options_.schema);
}

Result<state::MigrationRecord> Engine::Baseline(const std::string& name) {
  ZS_RETURN_IF_ERROR(migration::ValidateMigrationName(name, "baseline name"));
  ZS_RETURN_IF_ERROR(Lock());
  ZS_ASSIGN_OR_RETURN(auto active, state::LoadActiveMigration(*state_, options_.schema));
  if (active) {
    return Conflict(fmt::format(
        "migration \"{}\" is active in schema \"{}\" (step {}); run `zeroshift complete` or "
        "`zeroshift rollback` before recording a baseline",
        active->name, options_.schema, state::StepName(active->step)));
  }
  ZS_ASSIGN_OR_RETURN(auto history, state::LoadHistory(*state_, options_.schema));
  for (const auto& record : history) {
    bool same = record.name == name;
    for (const auto& part : record.parts) same = same || part.name == name;
    if (same) {
      return Conflict(fmt::format(
          "schema \"{}\" already has a migration named \"{}\" (recorded {}); choose another "
          "name for the baseline",
          options_.schema, name, record.created_at));
    }
  }
  ZS_ASSIGN_OR_RETURN(schema::Schema live, schema::ReadSchema(*session_, options_.schema));
  migration::Migration empty{.name = name};
  state::MigrationRecord record{.schema = options_.schema,
                                .name = name,
                                .migration_json = migration::ToJson(empty),
                                .done = true,
                                .step = state::Step::kDone,
                                .snapshots = {live},
                                .resulting_schema = live,
                                .live_schema = live,
                                .baseline = true};
  if (!history.empty()) record.parent = history.back().name;
  ZS_RETURN_IF_ERROR(state_->Insert(record));
  Log(fmt::format("recorded baseline \"{}\" of schema \"{}\" ({} tables)", name, options_.schema,
                  live.tables.size()));
  return record;
}

}  // namespace zs::engine
