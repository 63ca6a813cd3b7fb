// N walkers of one table yielding as one session (--backfill-nice-ratio with
// --backfill-workers N, docs/backfill.md "Pacing, measured"). While clients
// work, one walker holds the turn and runs its batches, each followed by its
// nice pause; the others park: no probe, no transaction, only the control
// row every pause_poll (pause, tune, interrupts, another range's failure).
// The turn passes on when its walker's range is done (or its walk ends for
// any reason); when the holder's probe sees no client working, every walker
// runs again, in parallel, at full speed.
//
// Why not a turn per batch (the design before, a mutex around each batch
// and its pause): the walker waiting for the turn probed and read its
// control row during the other's batch, and took the turn the moment the
// pause ended, so the server never saw the one session's rhythm (probe,
// batch, pause) but back-to-back work; see docs/backfill.md for what was
// measured.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace zs::backfill {

class YieldTurn {
 public:
  // Whether `walker` may go on (probe, then batch): yes unless clients work
  // and another walker holds the turn. Takes a free turn while they work.
  bool MayRun(const void* walker) {
    std::lock_guard lock(mutex_);
    return MayRunLocked(walker);
  }

  // After `walker`'s probe: whether clients work. They do: the batch runs
  // only if `walker` holds the turn (taking it if free). They do not: every
  // walker runs, the parked ones are woken.
  bool Report(const void* walker, bool clients_working) {
    std::lock_guard lock(mutex_);
    if (!clients_working) {
      if (yielding_) {
        yielding_ = false;
        holder_ = nullptr;
        changed_.notify_all();
      }
      return true;
    }
    yielding_ = true;
    return MayRunLocked(walker);
  }

  // Parks `walker` until it may run or `poll` has passed (the caller reads
  // its control row and checks for interrupts, then comes back).
  void Park(const void* walker, std::chrono::milliseconds poll) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, poll, [&] { return MayRunLocked(walker); });
  }

  // `walker`'s walk ended (done, failed, stopped): the turn passes on.
  void Leave(const void* walker) {
    std::lock_guard lock(mutex_);
    if (holder_ != walker) return;
    holder_ = nullptr;
    changed_.notify_all();
  }

 private:
  bool MayRunLocked(const void* walker) {
    if (!yielding_) return true;
    if (holder_ == nullptr) holder_ = walker;
    return holder_ == walker;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  bool yielding_ = false;         // the last probe saw clients working
  const void* holder_ = nullptr;  // the walker that runs while they work
};

// The turn of the workers of this thread's walk, or none (a single walk).
// workers.cc sets it on each worker thread around its walks (WithYieldTurn);
// backfill.cc's Walk reads it. A thread-local rather than a field of Options
// only so that this change did not touch backfill.h, which nearly every
// file of the engine includes: it belongs in Options::yield_turn (whose
// per-batch mutex it replaces) at the next change of that header.
inline YieldTurn*& CurrentYieldTurn() {
  thread_local YieldTurn* turn = nullptr;
  return turn;
}

// Sets CurrentYieldTurn() for one scope (a worker's walk).
class WithYieldTurn {
 public:
  explicit WithYieldTurn(YieldTurn* turn) : previous_(CurrentYieldTurn()) {
    CurrentYieldTurn() = turn;
  }
  ~WithYieldTurn() { CurrentYieldTurn() = previous_; }
  WithYieldTurn(const WithYieldTurn&) = delete;
  WithYieldTurn& operator=(const WithYieldTurn&) = delete;

 private:
  YieldTurn* previous_;
};

}  // namespace zs::backfill
