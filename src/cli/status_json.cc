#include "cli/status_json.h"

#include "engine/standby_status.h"

namespace zs::cli {

namespace {

nlohmann::json OrNull(const std::optional<long long>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

nlohmann::json OrNull(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

nlohmann::json RunnerJson(const std::optional<state::LockHolder>& runner) {
  if (!runner) return {{"alive", false}};
  return {{"alive", true},
          {"pid", runner->pid},
          {"application_name", runner->application_name},
          {"client", runner->client},
          {"connected_at", runner->backend_start}};
}

nlohmann::json BackfillJson(const engine::BackfillStatus& b) {
  nlohmann::json entry{{"target", b.target},         {"state", b.state},
                       {"rows_done", b.rows_done},   {"rows_estimate", b.rows_estimate},
                       {"rows_per_s", b.rows_per_s}, {"eta_s", OrNull(b.eta_s)},
                       {"batch_rows", b.batch_rows}, {"throttled_batches", b.throttled_batches},
                       {"started_at", b.started_at}, {"updated_at", b.updated_at},
                       {"finished", b.finished}};
  // A finished target prints the integer 100, as it always has.
  entry["percent"] = b.finished ? nlohmann::json(100) : OrNull(b.percent);
  if (!b.last_throttle_reason.empty()) entry["last_throttle_reason"] = b.last_throttle_reason;
  if (!b.interrupted_by.empty()) entry["interrupted_by"] = b.interrupted_by;
  return entry;
}

nlohmann::json ActiveJson(const engine::ActiveStatus& active) {
  nlohmann::json backfill = nlohmann::json::array();
  for (const auto& b : active.backfill) backfill.push_back(BackfillJson(b));
  return {{"name", active.name},
          {"step", std::string(state::StepName(active.step))},
          {"runner", RunnerJson(active.runner)},
          {"next", active.next},
          {"version_schema", active.version_schema},
          {"started_at", active.started_at},
          {"backfill", backfill},
          {"backfill_control",
           {{"paused", active.control.paused},
            {"batch_size", OrNull(active.control.batch_size)},
            {"target_ms", OrNull(active.control.target_ms)},
            {"delay_ms", OrNull(active.control.delay_ms)}}}};
}

}  // namespace

nlohmann::json StatusToJson(const engine::StatusReport& report) {
  nlohmann::json out{{"schema", report.schema}, {"initialized", report.initialized}};
  if (!report.initialized) return out;
  out["migrations"] = report.migrations;
  out["latest_version_schema"] = report.latest_version_schema.empty()
                                     ? nlohmann::json()
                                     : nlohmann::json(report.latest_version_schema);
  if (!report.active) {
    out["active"] = nullptr;
    out["status"] = report.migrations == 0 ? "no migrations" : "complete";
    return out;
  }
  out["status"] = "in progress";
  out["active"] = ActiveJson(*report.active);
  return out;
}

Result<nlohmann::json> StatusJson(engine::Engine& engine) {
  ZS_ASSIGN_OR_RETURN(std::optional<engine::StandbyStatus> standby,
                      engine::ReadStandbyStatus(engine));
  ZS_ASSIGN_OR_RETURN(engine::StatusReport report, engine.ReadStatus());
  nlohmann::json out = StatusToJson(report);
  // Always present, so that a script can tell: null on a primary.
  out["standby"] = nullptr;
  if (standby) {
    out["standby"] = {{"in_recovery", true},
                      {"server", standby->server},
                      {"replayed_as_of", standby->replayed_as_of.empty()
                                             ? nlohmann::json()
                                             : nlohmann::json(standby->replayed_as_of)},
                      {"note", standby->note}};
  }
  return out;
}

}  // namespace zs::cli
