#include "backfill/interrupt.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace zs::backfill {

namespace {

volatile std::sig_atomic_t g_signal = 0;

// Async-signal-safe: stores the signal; on the second one restores the
// default action and re-raises, so that an insistent user is not kept
// waiting for a batch stuck behind a lock.
extern "C" void OnInterrupt(int signal) {
  if (g_signal != 0) {
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  g_signal = signal;
}

}  // namespace

InterruptScope::InterruptScope() {
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  // No SA_RESTART needed: libpq retries its socket waits on EINTR, so the
  // statement in flight runs to its end.
  action.sa_flags = 0;
  sigaction(SIGINT, &action, &old_int_);
  sigaction(SIGTERM, &action, &old_term_);
}

InterruptScope::~InterruptScope() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

int InterruptSignal() { return g_signal; }

std::string SignalName(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return fmt::format("signal {}", signal);
}

void InterruptibleSleep(std::chrono::milliseconds total) {
  constexpr std::chrono::milliseconds kSlice{50};
  while (total.count() > 0 && InterruptSignal() == 0) {
    std::chrono::milliseconds step = std::min(total, kSlice);
    std::this_thread::sleep_for(step);
    total -= step;
  }
}

}  // namespace zs::backfill
