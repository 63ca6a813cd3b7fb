#include "fleet/runner.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace zs::fleet {

namespace {

void FleetLog(const RunOptions& options, const std::string& line) {
  if (options.log) options.log(line);
}

bool FleetInterrupted(const RunOptions& options) {
  return options.interrupted && options.interrupted();
}

// The first failure of a parallel phase, and the target it happened on.
class FirstFailure {
 public:
  void Record(const std::string& target, const Status& status) {
    std::lock_guard lock(mutex_);
    if (!status_) {
      status_ = status;
      target_ = target;
    }
  }
  std::optional<Status> status() const { return status_; }
  const std::string& target() const { return target_; }

 private:
  std::mutex mutex_;
  std::optional<Status> status_;
  std::string target_;
};

// A target's migration is underway there and it is the fleet's.
bool FleetBegun(const OwnState& own) { return own.step.has_value(); }

// Start (or resume) one target; the canary is completed as well.
Status FleetStartOne(const Target& target, bool canary, TargetOps& ops, Journal& journal,
                     const RunOptions& options) {
  ZS_ASSIGN_OR_RETURN(OwnState own, ops.Read(target));
  if (own.completed) {
    FleetLog(options, target.name + ": completed before; skipped");
    return journal.Set(target.name, JournalState::kCompleted);
  }
  if (!own.other_active.empty()) {
    return Conflict(
        fmt::format("target {}: migration \"{}\" is active there; complete or roll it back first",
                    target.name, own.other_active));
  }
  bool begun = FleetBegun(own);
  bool expanded =
      begun && (*own.step == state::Step::kActive || *own.step == state::Step::kCompleting);
  if (!expanded) {
    ZS_RETURN_IF_ERROR(journal.Update(target.name, [&](JournalEntry& e) {
      e.state = JournalState::kStarting;
      e.error.clear();
      e.canary = canary;
      // Only what the fleet began itself may be rolled back by it.
      if (!begun) e.started_by_fleet = true;
    }));
    FleetLog(options, target.name + (begun ? ": resuming start" : ": starting"));
    ZS_RETURN_IF_ERROR(ops.Start(target));
  }
  ZS_RETURN_IF_ERROR(journal.Set(target.name, JournalState::kStarted));
  FleetLog(options, target.name + ": started");
  if (!canary) return Status::Ok();
  ZS_RETURN_IF_ERROR(journal.Set(target.name, JournalState::kCompleting));
  FleetLog(options, target.name + ": completing (canary)");
  ZS_RETURN_IF_ERROR(ops.Complete(target));
  FleetLog(options, target.name + ": completed (canary)");
  return journal.Set(target.name, JournalState::kCompleted);
}

// Records `failure` of `target` in the journal (its own write failing too is
// only logged: the failure itself is what the user must see).
void FleetRecordFailure(const Target& target, const Status& failure, Journal& journal,
                        const RunOptions& options) {
  FleetLog(options, target.name + ": FAILED: " + failure.ToString());
  Status written = journal.Set(target.name, JournalState::kFailed, failure.ToString());
  if (!written.ok()) FleetLog(options, "cannot record it: " + written.ToString());
}

// Rolls back one target the fleet began, after a failure elsewhere (or on it).
// Returns whether something was rolled back.
Result<bool> FleetUndoOne(const Target& target, TargetOps& ops, Journal& journal,
                          const RunOptions& options) {
  JournalEntry entry = journal.Entry(target.name);
  ZS_ASSIGN_OR_RETURN(OwnState own, ops.Read(target));
  if (!FleetBegun(own)) {
    // Nothing of it there (it failed before recording anything).
    if (entry.state != JournalState::kFailed) {
      ZS_RETURN_IF_ERROR(journal.Set(target.name, JournalState::kRolledBack));
    }
    return false;
  }
  ZS_RETURN_IF_ERROR(
      journal.Update(target.name, [](JournalEntry& e) { e.state = JournalState::kRollingBack; }));
  FleetLog(options, target.name + ": rolling back");
  ZS_RETURN_IF_ERROR(ops.Rollback(target));
  FleetLog(options, target.name + ": rolled back");
  if (entry.state == JournalState::kFailed) {
    // The target that failed keeps its state and its reason.
    ZS_RETURN_IF_ERROR(journal.Update(target.name, [&](JournalEntry& e) {
      e.state = JournalState::kFailed;
      e.error = entry.error + "; what it had done was rolled back";
    }));
    return true;
  }
  ZS_RETURN_IF_ERROR(journal.Set(target.name, JournalState::kRolledBack));
  return true;
}

// After a failed start: rolls back every target this fleet began that is not
// completed. Returns the names rolled back, or the first failure to.
Result<std::vector<std::string>> FleetUndoStarted(const std::vector<Target>& targets,
                                                  TargetOps& ops, Journal& journal,
                                                  const RunOptions& options) {
  std::vector<const Target*> begun;
  for (const Target& target : targets) {
    JournalEntry e = journal.Entry(target.name);
    if (e.started_by_fleet && e.state != JournalState::kCompleted &&
        e.state != JournalState::kRolledBack) {
      begun.push_back(&target);
    }
  }
  std::mutex mutex;
  std::vector<std::string> undone;
  FirstFailure failure;
  ForEachParallel(
      begun.size(), options.parallel,
      [&](size_t i) {
        Result<bool> done = FleetUndoOne(*begun[i], ops, journal, options);
        if (!done.ok()) {
          failure.Record(begun[i]->name, done.status());
          FleetLog(options, begun[i]->name + ": rollback FAILED: " + done.status().ToString());
        } else if (*done) {
          std::lock_guard lock(mutex);
          undone.push_back(begun[i]->name);
        }
        return true;  // roll back as much as possible
      },
      [] { return false; });
  if (failure.status()) return *failure.status();
  std::sort(undone.begin(), undone.end());
  return undone;
}

Result<const Target*> FleetFindCanary(const std::vector<Target>& targets,
                                      const std::string& canary) {
  if (canary.empty()) return static_cast<const Target*>(nullptr);
  if (canary == "first") return &targets.front();
  for (const Target& target : targets) {
    if (target.name == canary) return &target;
  }
  return InvalidInput(
      fmt::format("--canary {}: no target has that name (nor is it `first`)", canary));
}

Status FleetStopped(const std::string& command) {
  return Conflict(fmt::format(
      "fleet {} stopped by a signal; nothing was rolled back: run the same command to resume",
      command));
}

}  // namespace

void ForEachParallel(size_t count, int parallel, const std::function<bool(size_t)>& work,
                     const std::function<bool()>& stop) {
  std::atomic<size_t> next{0};
  std::atomic<bool> stopped{false};
  auto worker = [&] {
    while (!stopped && !stop()) {
      size_t i = next++;
      if (i >= count) return;
      if (!work(i)) stopped = true;
    }
  };
  size_t threads = std::min(count, static_cast<size_t>(std::max(parallel, 1)));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  if (threads > 0) worker();
  for (std::thread& thread : pool) thread.join();
}

Status FleetStart(const std::vector<Target>& targets, TargetOps& ops, Journal& journal,
                  const RunOptions& options) {
  ZS_ASSIGN_OR_RETURN(const Target* canary, FleetFindCanary(targets, options.canary));
  FirstFailure failure;
  if (canary) {
    Status status = FleetStartOne(*canary, /*canary=*/true, ops, journal, options);
    if (!status.ok()) {
      failure.Record(canary->name, status);
      FleetRecordFailure(*canary, status, journal, options);
    }
  }
  std::vector<const Target*> rest;
  for (const Target& target : targets) {
    if (&target != canary) rest.push_back(&target);
  }
  if (!failure.status()) {
    ForEachParallel(
        rest.size(), options.parallel,
        [&](size_t i) {
          Status status = FleetStartOne(*rest[i], /*canary=*/false, ops, journal, options);
          if (status.ok()) return true;
          failure.Record(rest[i]->name, status);
          FleetRecordFailure(*rest[i], status, journal, options);
          return false;
        },
        [&] { return FleetInterrupted(options); });
  }
  if (FleetInterrupted(options)) return FleetStopped("start");
  if (!failure.status()) return Status::Ok();
  FleetLog(options, fmt::format("stopping: {} failed; rolling back what this fleet started",
                                failure.target()));
  Result<std::vector<std::string>> undone = FleetUndoStarted(targets, ops, journal, options);
  std::string after = "rolling back failed too: " + undone.status().ToString();
  if (undone.ok()) {
    after = undone->empty() ? "nothing to roll back"
                            : fmt::format("rolled back: {}", fmt::join(*undone, ", "));
  }
  return Status(failure.status()->code(),
                fmt::format("fleet start stopped at {}: {}; {}", failure.target(),
                            failure.status()->message(), after),
                failure.status()->sqlstate());
}

Status FleetComplete(const std::vector<Target>& targets, TargetOps& ops, Journal& journal,
                     const RunOptions& options) {
  std::vector<const Target*> todo;
  std::vector<std::string> not_ready;
  for (const Target& target : targets) {
    ZS_ASSIGN_OR_RETURN(OwnState own, ops.Read(target));
    if (own.completed) {
      if (journal.Entry(target.name).state != JournalState::kCompleted) {
        ZS_RETURN_IF_ERROR(journal.Set(target.name, JournalState::kCompleted));
      }
    } else if (own.step &&
               (*own.step == state::Step::kActive || *own.step == state::Step::kCompleting)) {
      todo.push_back(&target);
    } else {
      not_ready.push_back(fmt::format("{} ({})", target.name, OwnStateName(own)));
    }
  }
  if (!not_ready.empty()) {
    return Conflict(fmt::format(
        "fleet complete refused, nothing was completed: not every target is started: {}; run "
        "`zeroshift fleet start` until it succeeds, or `zeroshift fleet rollback`",
        fmt::join(not_ready, ", ")));
  }
  FirstFailure failure;
  ForEachParallel(
      todo.size(), options.parallel,
      [&](size_t i) {
        const Target& target = *todo[i];
        Status status = journal.Set(target.name, JournalState::kCompleting);
        FleetLog(options, target.name + ": completing");
        if (status.ok()) status = ops.Complete(target);
        if (status.ok()) status = journal.Set(target.name, JournalState::kCompleted);
        if (status.ok()) {
          FleetLog(options, target.name + ": completed");
          return true;
        }
        failure.Record(target.name, status);
        FleetRecordFailure(target, status, journal, options);
        return false;
      },
      [&] { return FleetInterrupted(options); });
  if (FleetInterrupted(options)) return FleetStopped("complete");
  if (!failure.status()) return Status::Ok();
  return failure.status()->WithContext(
      fmt::format("fleet complete stopped at {} (the others completed stay so; fix it and re-run)",
                  failure.target()));
}

Status FleetRollback(const std::vector<Target>& targets, TargetOps& ops, Journal& journal,
                     const RunOptions& options) {
  std::mutex mutex;
  std::vector<std::string> failed;
  ForEachParallel(
      targets.size(), options.parallel,
      [&](size_t i) {
        const Target& target = targets[i];
        Result<OwnState> own = ops.Read(target);
        Status status = own.status();
        if (own.ok() && own->completed) {
          FleetLog(options, target.name +
                                ": completed; a completed migration is not rolled back (undo "
                                "it with a new migration)");
          status = journal.Set(target.name, JournalState::kCompleted);
        } else if (own.ok() && FleetBegun(*own)) {
          status = journal.Set(target.name, JournalState::kRollingBack);
          FleetLog(options, target.name + ": rolling back");
          if (status.ok()) status = ops.Rollback(target);
          if (status.ok()) status = journal.Set(target.name, JournalState::kRolledBack);
          if (status.ok()) FleetLog(options, target.name + ": rolled back");
        } else if (own.ok() && journal.Entry(target.name).state != JournalState::kPending) {
          status = journal.Set(target.name, JournalState::kRolledBack);
        }
        if (!status.ok()) {
          FleetRecordFailure(target, status, journal, options);
          std::lock_guard lock(mutex);
          failed.push_back(target.name);
        }
        return true;  // roll back as much as possible
      },
      [&] { return FleetInterrupted(options); });
  if (FleetInterrupted(options)) return FleetStopped("rollback");
  if (failed.empty()) return Status::Ok();
  std::sort(failed.begin(), failed.end());
  return Conflict(fmt::format(
      "fleet rollback failed on {}; the others were rolled back (see `zeroshift fleet status`)",
      fmt::join(failed, ", ")));
}

}  // namespace zs::fleet
