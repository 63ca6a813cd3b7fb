// Engine::Verify: `zeroshift verify` for the active migration.
#include <fmt/format.h>

#include "backend/postgres_backend.h"
#include "engine/engine.h"
#include "engine/engine_verify.h"

namespace zs::engine {

Result<std::vector<backfill::TableResult>> VerifyRows(
    backend::Session& session, const std::vector<triggers::TriggerSpec>& specs,
    const backfill::VerifyOptions& options) {
  if (session.backend().kind() != backend::Kind::kPostgres) {
    return Conflict(fmt::format("verify is not implemented on {} yet", session.backend().Name()));
  }
  return backfill::VerifyTriggers(backend::PostgresConnection(session), specs, options);
}

Result<backfill::VerifyReport> Engine::Verify(const std::string& migration,
                                              const backfill::VerifyOptions& options) {
  // No advisory lock: verify only reads, and may run beside a running backfill.
  ZS_RETURN_IF_ERROR(state_->RequireInitialized());
  ZS_ASSIGN_OR_RETURN(state::MigrationRecord record, RequireActive());
  if (!migration.empty() && migration != record.name) {
    return NotFound(fmt::format(
        "migration \"{}\" is not active in schema \"{}\" (\"{}\" is); verify checks only the "
        "active migration, whose dual-write triggers still exist",
        migration, options_.schema, record.name));
  }
  if (record.step != state::Step::kBackfilling && record.step != state::Step::kActive) {
    return Conflict(fmt::format(
        "migration \"{}\" is at step {}; verify needs its triggers in place (steps {} or {}): "
        "finish `zeroshift start` first",
        record.name, state::StepName(record.step), state::StepName(state::Step::kBackfilling),
        state::StepName(state::Step::kActive)));
  }
  ZS_ASSIGN_OR_RETURN(auto loaded, LoadActive(record));
  std::vector<triggers::TriggerSpec> specs =
      TriggerSpecs(loaded->input, loaded->operations, loaded->snapshots);
  // What the trigger evaluates: each expression resolved and schema-qualified
  // as start resolved it, not the text of the file, which would be read under
  // verify's own search_path.
  for (auto& spec : specs) {
    if (!loaded->input.resolve) break;
    ZS_ASSIGN_OR_RETURN(spec.expression, loaded->input.resolve(spec, loaded->snapshots));
  }
  backfill::VerifyReport report{.migration = record.name, .step = record.step};
  ZS_ASSIGN_OR_RETURN(report.tables, VerifyRows(*session_, specs, options));
  if (record.step == state::Step::kBackfilling) {
    // Rows the backfill has not reached differ from `up` as a bypassing
    // write would: nothing is proven until it has finished.
    for (auto& table : report.tables) {
      for (auto& check : table.checks) check.provable = false;
    }
  }
  return report;
}

}  // namespace zs::engine
