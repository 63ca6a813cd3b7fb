// Engine::ReadStatus: what `zeroshift status` reports, typed. The CLI formats
// it (cli/status_json.h); nothing here knows the JSON.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include <libpq-fe.h>

#include "backfill/backfill.h"
#include "engine/engine.h"
#include "engine/standby_status.h"
#include "state/load_migration.h"

namespace zs::engine {

namespace {

// What to do next, from the step and whether a zeroshift process is at work
// on it (SAFETY.md invariant 8: from every state, a way forward or back).
std::string NextStep(const state::MigrationRecord& active, bool running, bool paused) {
  if (running) {
    return "a zeroshift process is at work on this migration (see runner); stop it with Ctrl-C "
           "where it runs (or kill -INT its process): a backfill stops after its current batch";
  }
  if (active.step == state::Step::kBackfilling) {
    std::string out =
        "the backfill was interrupted: `zeroshift backfill run` (or the same `zeroshift start`) "
        "resumes it; `zeroshift rollback` undoes the migration";
    if (paused) out += "; it is paused: `zeroshift backfill resume` first, or it waits at once";
    return out;
  }
  if (active.step == state::Step::kActive) {
    return "`zeroshift complete` once old clients are gone, or `zeroshift rollback`";
  }
  if (active.step == state::Step::kCompleting)
    return "complete stopped part-way: re-run `zeroshift complete`";
  if (active.step == state::Step::kRollingBack)
    return "rollback stopped part-way: re-run `zeroshift rollback`";
  return "start stopped part-way: `zeroshift rollback` undoes it";
}

// Where the backfill of one target stands, as `zeroshift status` names it.
std::string CursorState(const state::BackfillCursor& c, const state::MigrationRecord& active,
                        bool running, bool paused) {
  if (c.finished) return "finished";
  if (running) return paused ? "paused" : "running";
  return active.step == state::Step::kBackfilling ? "interrupted" : "stopped";
}

BackfillStatus CursorStatus(const state::BackfillCursor& c, std::string state, bool running) {
  // The rate and ETA as the runner's own progress lines compute them.
  backfill::Progress progress{.rows_done = c.rows_done,
                              .rows_estimate = c.rows_estimate,
                              .elapsed_seconds = c.run_seconds,
                              .finished = c.finished,
                              .run_rows = c.rows_done - c.run_rows_start};
  double eta = progress.EtaSeconds();
  BackfillStatus out{.target = c.table,
                     .state = std::move(state),
                     .rows_done = c.rows_done,
                     .rows_estimate = c.rows_estimate,
                     .rows_per_s = std::round(progress.RowsPerSecond()),
                     .batch_rows = c.batch_rows,
                     .throttled_batches = c.throttled_batches,
                     .started_at = c.started_at,
                     .updated_at = c.updated_at,
                     .finished = c.finished,
                     .last_throttle_reason = c.throttle_reason};
  if (eta >= 0) out.eta_s = std::round(eta);
  if (c.finished) {
    out.percent = 100;
  } else if (c.rows_estimate > 0) {
    out.percent = std::round(std::min(99.9, 100.0 * c.rows_done / c.rows_estimate) * 10) / 10;
  }
  // A signal stopped the last run; a live runner has begun another since.
  if (!running) out.interrupted_by = c.interrupted_by;
  return out;
}

}  // namespace

Result<StatusReport> Engine::ReadStatus() {
  StatusReport out{.schema = options_.schema};
  ZS_ASSIGN_OR_RETURN(out.initialized, state_->IsInitialized());
  if (!out.initialized) return out;
  ZS_ASSIGN_OR_RETURN(auto history, state::LoadHistory(*state_, options_.schema));
  out.migrations = history.size();
  ZS_ASSIGN_OR_RETURN(out.latest_version_schema, LatestVersionSchema());
  ZS_ASSIGN_OR_RETURN(auto active, state::LoadActiveMigration(*state_, options_.schema));
  if (!active) return out;
  ZS_ASSIGN_OR_RETURN(std::vector<BackfillStatus> backfill, ReadBackfillStatus(*active));
  ZS_ASSIGN_OR_RETURN(state::BackfillControl control,
                      state_->Control(active->schema, active->name));
  ZS_ASSIGN_OR_RETURN(std::optional<state::LockHolder> runner,
                      state_->SchemaLockHolder(active->schema));
  std::string next = NextStep(*active, runner.has_value(), control.paused);
  // The record against the catalog (after a failover they must agree).
  ZS_ASSIGN_OR_RETURN(std::vector<std::string> disagreements,
                      steps_->RecordDisagreements(*this, *active));
  if (!disagreements.empty()) next = fmt::format("{}", fmt::join(disagreements, "; "));
  out.active = ActiveStatus{.name = active->name,
                            .step = active->step,
                            .runner = runner,
                            .next = std::move(next),
                            .version_schema = active->version_schema,
                            .started_at = active->created_at,
                            .backfill = std::move(backfill),
                            .control = control};
  return out;
}

Result<std::vector<BackfillStatus>> Engine::ReadBackfillStatus(
    const state::MigrationRecord& active) {
  ZS_RETURN_IF_ERROR(state_->Upgrade());
  ZS_ASSIGN_OR_RETURN(auto cursors, state_->Cursors(active.schema, active.name));
  ZS_ASSIGN_OR_RETURN(state::BackfillControl control, state_->Control(active.schema, active.name));
  // A live runner holds the schema's advisory lock; a runner that has gone
  // (Ctrl-C, kill, crash) holds nothing, whatever the state rows still say.
  ZS_ASSIGN_OR_RETURN(std::optional<state::LockHolder> runner,
                      state_->SchemaLockHolder(active.schema));
  bool running = runner.has_value();
  std::vector<BackfillStatus> out;
  for (const auto& c : cursors) {
    out.push_back(CursorStatus(c, CursorState(c, active, running, control.paused), running));
  }
  return out;
}

Result<std::optional<StandbyStatus>> ReadStandbyStatus(Engine& engine) {
  if (engine.backend().kind() != backend::Kind::kPostgres) return std::optional<StandbyStatus>();
  pg::Connection& conn = engine.connection();
  ZS_ASSIGN_OR_RETURN(pg::Rows rows,
                      conn.Exec("SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp()"));
  if (!rows.GetBool(0, 0)) return std::optional<StandbyStatus>();
  const char* host = PQhost(conn.raw());
  const char* port = PQport(conn.raw());
  const char* db = PQdb(conn.raw());
  StandbyStatus standby{.server = fmt::format("{}:{} (database \"{}\")", host ? host : "",
                                              port ? port : "", db ? db : ""),
                        .replayed_as_of = rows.IsNull(0, 1) ? "" : rows.Get(0, 1)};
  const std::string as_of =
      standby.replayed_as_of.empty()
          ? "before its first replayed transaction (none replayed since it started)"
          : "as of " + standby.replayed_as_of + " (pg_last_xact_replay_timestamp())";
  standby.note = fmt::format(
      "{} is a standby in recovery (read-only): this is the state replayed from the primary {}; "
      "run the commands that change something (init, start, backfill, complete, rollback) "
      "against the primary",
      standby.server, as_of);
  return std::optional<StandbyStatus>(std::move(standby));
}

}  // namespace zs::engine
