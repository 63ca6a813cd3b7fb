#include "history/migrate.h"

#include <fmt/format.h>

#include "history/history.h"
#include "state/state_store.h"
#include "versions/version_schema.h"

namespace zs::history {

namespace {

std::string FileOf(const migration::Migration& m) {
  return m.source_file.empty() ? m.name : m.source_file;
}

// The active migration is the last history entry; brings it to step active
// (resuming its backfill) or says which command finishes it.
Status SettleActive(engine::Engine& engine, const Entry& active,
                    const std::vector<migration::Migration>& local,
                    const std::function<void(const std::string&)>& say) {
  if (active.step == state::Step::kActive) return Status::Ok();
  if (active.step == state::Step::kBackfilling) {
    for (const auto& m : local) {
      if (m.name != active.row) continue;
      ZS_RETURN_IF_ERROR(engine.Start(m));  // resumes the interrupted backfill
      say(fmt::format("resumed the backfill of {}", active.row));
      return Status::Ok();
    }
  }
  const char* what = active.step == state::Step::kCompleting ? "`zeroshift complete` finishes it"
                     : active.step == state::Step::kRollingBack
                         ? "`zeroshift rollback` finishes it"
                         : "`zeroshift rollback` undoes it (or re-run `zeroshift start` on it)";
  return Conflict(fmt::format("migration \"{}\" stopped at step {}; {}, then run migrate again",
                              active.row, state::StepName(active.step), what));
}

Status ApplyOneByOne(engine::Engine& engine, const std::vector<migration::Migration>& pending,
                     bool complete_last, const std::function<void(const std::string&)>& say) {
  for (size_t i = 0; i < pending.size(); ++i) {
    const migration::Migration& m = pending[i];
    bool complete = complete_last || i + 1 < pending.size();
    Status status = engine.Start(m);
    if (status.ok() && complete) status = engine.Complete();
    if (!status.ok()) {
      std::string before = i == 0   ? "nothing before it was applied"
                           : i == 1 ? "the migration before it is applied"
                                    : fmt::format("the {} before it are applied", i);
      return status.WithContext(
          fmt::format("migrate stopped at {} ({}); {}", m.name, FileOf(m), before));
    }
    std::string version = versions::VersionSqlFor(engine.backend())
                              .VersionName(engine.schema(), m.name, m.version_schema);
    say(complete ? fmt::format("applied {}", m.name)
                 : fmt::format("started {}: active in version schema {}; `zeroshift complete` "
                               "once old clients are gone",
                               m.name, version));
  }
  return Status::Ok();
}

Status ApplyAsOneVersion(engine::Engine& engine, const std::vector<migration::Migration>& pending,
                         bool complete, const std::function<void(const std::string&)>& say) {
  Status status = engine.StartSingleVersion(pending);
  if (status.ok() && complete) status = engine.Complete();
  if (!status.ok()) {
    return status.WithContext(fmt::format("migrate --single-version of {} migrations ({} .. {})",
                                          pending.size(), pending.front().name,
                                          pending.back().name));
  }
  ZS_ASSIGN_OR_RETURN(std::string version, engine.LatestVersionSchema());
  for (const auto& m : pending) {
    say(fmt::format("{} {} (one version: {})", complete ? "applied" : "started", m.name, version));
  }
  if (!complete) say("`zeroshift complete` completes them together once old clients are gone");
  return Status::Ok();
}

}  // namespace

Status Migrate(engine::Engine& engine, const std::string& dir,
               const std::vector<migration::Migration>& local, const MigrateOptions& options,
               const std::function<void(const std::string&)>& say) {
  ZS_ASSIGN_OR_RETURN(auto records, engine.History());
  std::vector<Entry> history = Entries(records);
  std::vector<std::string> names;
  for (const auto& m : local) names.push_back(m.name);
  ZS_ASSIGN_OR_RETURN(size_t first, FirstPending(history, names, dir));
  std::vector<migration::Migration> pending(local.begin() + static_cast<long>(first), local.end());

  if (!history.empty() && !history.back().done) {
    const Entry& active = history.back();
    ZS_RETURN_IF_ERROR(SettleActive(engine, active, local, say));
    if (pending.empty() && !options.complete) {
      say(
          fmt::format("{} is active and nothing else is pending; `zeroshift complete` completes "
                      "it once old clients are gone",
                      active.row));
      return Status::Ok();
    }
    ZS_RETURN_IF_ERROR(engine.Complete().WithContext(
        fmt::format("completing the active migration \"{}\"", active.row)));
    say(fmt::format("completed {} (it was active)", active.row));
  }
  if (pending.empty()) {
    say("database is up to date; no migrations to apply");
    return Status::Ok();
  }
  if (options.single_version && pending.size() > 1) {
    return ApplyAsOneVersion(engine, pending, options.complete, say);
  }
  return ApplyOneByOne(engine, pending, options.complete, say);
}

}  // namespace zs::history
