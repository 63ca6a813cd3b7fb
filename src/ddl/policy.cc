#include "ddl/policy.h"

#include <algorithm>
#include <random>
#include <thread>

namespace zs::ddl {

namespace {

std::mt19937& BackoffRng() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return rng;
}

Status GaveUp(const RetryPolicy& policy, int attempts, const Status& last) {
  return Status(Code::kLockTimeout,
                "gave up after " + std::to_string(attempts) +
                    " attempts waiting for a lock (lock_timeout " +
                    std::to_string(policy.lock_timeout.count()) + "ms): " + last.message() +
                    "; another session holds a conflicting lock — retry later or raise "
                    "--lock-timeout / --lock-retries",
                last.sqlstate());
}

}  // namespace

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int attempt) {
  long long delay = std::max<long long>(policy.initial_backoff.count(), 0);
  const long long cap = std::max<long long>(policy.max_backoff.count(), 0);
  // Doubling with an early stop at the cap cannot overflow, whatever `attempt` is.
  for (int i = 1; i < attempt && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  std::uniform_int_distribution<long long> jitter(delay / 2, delay);
  return std::chrono::milliseconds(jitter(BackoffRng()));
}

std::chrono::milliseconds LockWaitFor(const RetryPolicy& policy, int attempt) {
  const long long cap = std::max<long long>(policy.lock_timeout.count(), 0);
  long long wait = std::max<long long>(policy.first_lock_timeout.count(), 0);
  if (wait == 0 || wait >= cap) return std::chrono::milliseconds(cap);
  // Doubling with an early stop at the cap cannot overflow, whatever `attempt` is.
  for (int i = 1; i < attempt && wait < cap; ++i) wait *= 2;
  return std::chrono::milliseconds(std::min(wait, cap));
}

Status RetryLockFailures(const RetryPolicy& policy, const std::function<Status()>& attempt_once,
                         const LockFailureHandling& handling, const RetryCallback& on_retry,
                         int* attempts) {
  return RetryLockFailures(
      policy, [&](int) { return attempt_once(); }, handling, on_retry, attempts);
}

Status RetryLockFailures(const RetryPolicy& policy,
                         const std::function<Status(int attempt)>& attempt_once,
                         const LockFailureHandling& handling, const RetryCallback& on_retry,
                         int* attempts) {
  const int max_attempts = std::max(policy.max_attempts, 1);
  Status last;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    *attempts = attempt;
    last = attempt_once(attempt);
    if (last.ok() || !handling.is_lock_failure(last)) return last;
    if (handling.explain) last = handling.explain(last);
    if (attempt == max_attempts) break;
    std::chrono::milliseconds delay = BackoffDelay(policy, attempt);
    if (on_retry) on_retry(attempt, delay, last);
    std::this_thread::sleep_for(delay);
  }
  return GaveUp(policy, max_attempts, last);
}

}  // namespace zs::ddl
