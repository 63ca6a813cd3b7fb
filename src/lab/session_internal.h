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
#include <deque>
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
#include "lab/session_database.h"
#include "lab/workload.h"
#include "migration/migration.h"

namespace zs::lab::session_internal {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

inline constexpr int kFirstRows = 10;
inline constexpr size_t kLogLines = 60;
// The engine's newest lines, kept in the event log however many requests follow.
inline constexpr size_t kEngineLogLines = 12;
inline constexpr int kLatencySeconds = 120;
inline constexpr double kRecentWindowS = 10;  // the live p99 covers this many seconds

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

  void EngineSays(const std::string& line);  // the engine's log callback
  void MonitorLoop();
  void RefreshDatabaseView();
  void RefreshFigures();
  json StateJson() const;  // REQUIRES: mu_ held

  SessionOptions options_;
  // The server, the lab's database (its URL fixed by Init()) and what differs
  // by database; its monitor methods are called by the monitor thread only.
  std::unique_ptr<LabDatabase> database_;
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
  json view_ = json::object();      // columns, rows, rows_note, locks, stats, latency, log
  std::deque<LogLine> engine_log_;  // GUARDED_BY(view_mu_); kEngineLogLines at most

  std::atomic<bool> stop_monitor_{false};
  std::thread monitor_;
};

}  // namespace zs::lab::session_internal
