// The interactive lab's implementation, shared by its files: session.cc
// (life cycle and the actions the dashboard asks for), session_steps.cc (the
// five steps and the naive script on the worker thread) and session_view.cc
// (the monitor thread and Snapshot()). Not for other layers: session.h is the
// lab's interface.
//
// Threads: the caller's (Next/Rollback/RunNaive/Reset/Snapshot), one worker
// running the current action, the workload's clients, and a monitor that
// refreshes the database's view (first rows, locks, figures) once a second so
// Snapshot() never waits on the database.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "lab/session.h"
#include "lab/workload.h"
#include "migration/migration.h"
#include "pg/connection.h"
#include "servers/temp_cluster.h"

namespace zs::lab::session_internal {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// The lab's database is kDatabasePrefix and a random suffix (UniqueDatabaseName).
inline constexpr const char* kDatabasePrefix = "zeroshift_lab";
inline constexpr int kFirstRows = 10;
inline constexpr size_t kLogLines = 60;
inline constexpr int kLatencySeconds = 120;
inline constexpr double kRecentWindowS = 10;  // the live p99 covers this many seconds

struct StepInfo {
  const char* name;
  const char* title;
  const char* explain;
};

inline constexpr std::array<StepInfo, 5> kSteps = {{
    {"expand", "1. Expand",
     "ADD COLUMN first_name and last_name, nullable, each under a short lock_timeout. The old "
     "column name is untouched, so v1 clients keep reading and writing it."},
    {"dual_write", "2. Dual write",
     "Triggers keep both shapes in step on every write: a v1 write of name fills first_name and "
     "last_name, a v2 write of first_name/last_name fills name. A version schema with a view in "
     "the new shape is created for v2 clients."},
    {"backfill", "3. Backfill",
     "Existing rows are touched in small keyset batches on id, each its own short transaction, "
     "so the trigger fills first_name and last_name without locking the table."},
    {"shift_reads", "4. Shift reads",
     "The application deploys v2: its clients use the version schema and read and write "
     "first_name/last_name. v1 would still work; a rollback is still possible."},
    {"contract", "5. Contract",
     "zeroshift complete: the triggers go and name is dropped in one short transaction. Only "
     "the new shape remains."},
}};

enum class AfterStart { kNothing, kRollback, kReset };

class LabSession : public Session {
 public:
  explicit LabSession(SessionOptions options) : options_(std::move(options)) {}
  ~LabSession() override;

  Status Init();
  Status Next() override;
  Status Rollback() override;
  Status RunNaive() override;
  Status Reset() override;
  json Snapshot() const override;

 private:
  // Claims the worker for `what` (REQUIRES: mu_ held, !busy_) and runs `work` on it.
  void Launch(std::unique_lock<std::mutex>& lock, const std::string& what,
              std::function<Status()> work);
  void Finish(const Status& status);  // the worker's last act

  Status LoadFresh();  // new database, rows, engine, workload (v1)
  Status DoStart();
  Status DoShift();
  Status DoContract();
  Status DoRollback();
  Status DoNaive();
  Status ShiftAndWait(ClientVersion version, const std::string& version_schema);
  void OnPhase(std::string_view phase);
  void StepBegins(int index);  // REQUIRES: mu_ held
  void StepEnds(int index);    // REQUIRES: mu_ held
  std::shared_ptr<Workload> CurrentWorkload() const;

  void MonitorLoop();
  void RefreshDatabaseView(std::optional<pg::Connection>& conn);
  void RefreshFigures();
  json StateJson() const;  // REQUIRES: mu_ held

  SessionOptions options_;
  std::unique_ptr<servers::TempCluster> cluster_;
  std::string admin_;
  std::string database_;  // the lab's own (users_table.h), set once by Init()
  std::string url_;
  migration::Migration migration_;
  std::unique_ptr<engine::Engine> engine_;  // used by the worker only
  std::string version_schema_;              // GUARDED_BY(mu_)

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<Workload> workload_;  // GUARDED_BY(mu_); replaced by reloads
  int step_ = 0;                        // 0 = v1, 1..5 = the last step done
  int running_ = -1;                    // the step in progress, -1 none
  std::array<std::optional<double>, 5> durations_ms_;
  Clock::time_point running_since_;
  bool busy_ = false;
  std::string busy_with_;
  std::optional<std::string> error_;
  bool paused_ = false;   // the engine's start waits in on_phase for Next()
  bool proceed_ = false;  // Next() released the pause
  AfterStart after_start_ = AfterStart::kNothing;
  bool naive_ = false;  // the naive script ran on this table
  json naive_steps_ = json::array();
  json backfill_;  // null until a backfill reports
  bool shutting_down_ = false;
  std::thread worker_;

  mutable std::mutex view_mu_;
  json view_ = json::object();  // columns, rows, rows_note, locks, stats, latency, log

  std::atomic<bool> stop_monitor_{false};
  std::thread monitor_;
};

}  // namespace zs::lab::session_internal
