// Stopping a long-running command (start's backfill, `backfill run`,
// `migrate`) with Ctrl-C or a service manager's SIGTERM: the signal is only
// recorded, the batch in flight commits (or fails) as usual, and the backfill
// stops before the next one, saving its cursor and why it stopped, so that
// `zeroshift status` says "interrupted" and `zeroshift backfill run` resumes.
// A second signal ends the process at once, as if no handler were installed.
#pragma once

#include <chrono>
#include <csignal>
#include <string>

namespace zs::backfill {

// Handles SIGINT and SIGTERM while it lives; restores the previous handlers
// when it goes. One at a time (the handlers are process-wide).
class InterruptScope {
 public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// The signal received while a scope was installed (SIGINT or SIGTERM), 0
// when none. It stays set until the process ends: main turns it into the
// exit code 128 + signal.
int InterruptSignal();

// "SIGINT", "SIGTERM", or "signal N".
std::string SignalName(int signal);

// Sleeps for `total`, in short slices, returning early once a signal has
// been received (a plain sleep would keep a Ctrl-C waiting for seconds).
void InterruptibleSleep(std::chrono::milliseconds total);

}  // namespace zs::backfill
