#include "ddl/policy.h"

#include <gtest/gtest.h>

#include <set>

namespace zs::ddl {
namespace {

using std::chrono::milliseconds;

TEST(BackoffDelayTest, StaysWithinHalfAndFullOfTheCappedExponential) {
  RetryPolicy policy;
  policy.initial_backoff = milliseconds(100);
  policy.max_backoff = milliseconds(1000);
  const long long expected[] = {100, 200, 400, 800, 1000, 1000};
  for (int attempt = 1; attempt <= 6; ++attempt) {
    for (int sample = 0; sample < 200; ++sample) {
      long long delay = BackoffDelay(policy, attempt).count();
      EXPECT_GE(delay, expected[attempt - 1] / 2) << "attempt " << attempt;
      EXPECT_LE(delay, expected[attempt - 1]) << "attempt " << attempt;
    }
  }
}

TEST(BackoffDelayTest, IsJitteredAndNeverOverflows) {
  RetryPolicy policy;
  policy.initial_backoff = milliseconds(100);
  policy.max_backoff = milliseconds(5000);
  std::set<long long> seen;
  for (int i = 0; i < 100; ++i) seen.insert(BackoffDelay(policy, 3).count());
  EXPECT_GT(seen.size(), 10u);
  for (int attempt : {64, 1000, 1 << 30}) {
    long long delay = BackoffDelay(policy, attempt).count();
    EXPECT_GE(delay, 2500);
    EXPECT_LE(delay, 5000);
  }
  policy.initial_backoff = milliseconds(0);
  EXPECT_EQ(BackoffDelay(policy, 5).count(), 0);
}

Status LockFailure() { return Status(Code::kDatabase, "could not obtain lock", "55P03"); }
bool IsLockFailureForTest(const Status& status) { return status.sqlstate() == "55P03"; }

TEST(LockWaitForTest, StartsShortDoublesOnEachRetryAndNeverExceedsLockTimeout) {
  RetryPolicy policy{.lock_timeout = milliseconds(500), .max_attempts = 10};
  policy.first_lock_timeout = milliseconds(20);
  const long long expected[] = {20, 40, 80, 160, 320, 500, 500, 500, 500, 500};
  long long total = 0;
  for (int attempt = 1; attempt <= policy.max_attempts; ++attempt) {
    long long wait = LockWaitFor(policy, attempt).count();
    EXPECT_EQ(wait, expected[attempt - 1]) << "attempt " << attempt;
    if (attempt > 1) {
      EXPECT_GE(wait, LockWaitFor(policy, attempt - 1).count());
    }
    EXPECT_LE(wait, policy.lock_timeout.count());
    total += wait;
  }
  EXPECT_LE(total, policy.lock_timeout.count() * policy.max_attempts);
  EXPECT_EQ(total, 20 + 40 + 80 + 160 + 320 + 5 * 500);
  for (int attempt : {64, 1000, 1 << 30}) {
    EXPECT_EQ(LockWaitFor(policy, attempt), milliseconds(500)) << "attempt " << attempt;
  }
}

TEST(LockWaitForTest, WaitsTheWholeLockTimeoutWhenTheFirstWaitIsOffOrNotShorter) {
  RetryPolicy policy{.lock_timeout = milliseconds(50)};
  for (long long first : {0LL, 50LL, 80LL}) {
    policy.first_lock_timeout = milliseconds(first);
    for (int attempt = 1; attempt <= 4; ++attempt) {
      EXPECT_EQ(LockWaitFor(policy, attempt), milliseconds(50)) << first << " " << attempt;
    }
  }
  policy.lock_timeout = milliseconds(0);  // no bound stays no bound
  policy.first_lock_timeout = milliseconds(20);
  EXPECT_EQ(LockWaitFor(policy, 1), milliseconds(0));
}

TEST(RetryLockFailuresTest, PassesEachCallItsAttemptNumber) {
  RetryPolicy policy{
      .max_attempts = 4, .initial_backoff = milliseconds(0), .max_backoff = milliseconds(0)};
  std::vector<int> seen;
  int attempts = 0;
  Status status = RetryLockFailures(
      policy,
      [&](int attempt) -> Status {
        seen.push_back(attempt);
        return attempt < 3 ? LockFailure() : Status::Ok();
      },
      {.is_lock_failure = IsLockFailureForTest}, nullptr, &attempts);
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(attempts, 3);
}

TEST(RetryLockFailuresTest, RetriesLockFailuresThenGivesUpKeepingTheSqlstate) {
  RetryPolicy policy{.lock_timeout = milliseconds(50),
                     .max_attempts = 3,
                     .initial_backoff = milliseconds(0),
                     .max_backoff = milliseconds(0)};
  int calls = 0;
  int attempts = 0;
  std::vector<int> retries;
  Status status = RetryLockFailures(
      policy, [&] { return ++calls, LockFailure(); },
      {.is_lock_failure = IsLockFailureForTest,
       .explain = [](const Status& failure) { return failure.WithContext("explained"); }},
      [&](int attempt, milliseconds, const Status& error) {
        retries.push_back(attempt);
        EXPECT_EQ(error.message(), "explained: could not obtain lock");
      },
      &attempts);
  EXPECT_EQ(status.code(), Code::kLockTimeout);
  EXPECT_EQ(status.sqlstate(), "55P03");
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(retries, (std::vector<int>{1, 2}));
  EXPECT_EQ(status.message(),
            "gave up after 3 attempts waiting for a lock (lock_timeout 50ms): explained: could "
            "not obtain lock; another session holds a conflicting lock — retry later or raise "
            "--lock-timeout / --lock-retries");
}

TEST(RetryLockFailuresTest, ReturnsOtherErrorsAndSuccessAtOnce) {
  RetryPolicy policy{.max_attempts = 5};
  int attempts = 0;
  Status other = RetryLockFailures(
      policy, [] { return Status(Code::kDatabase, "syntax error", "42601"); },
      {.is_lock_failure = IsLockFailureForTest}, nullptr, &attempts);
  EXPECT_EQ(other.sqlstate(), "42601");
  EXPECT_EQ(attempts, 1);
  EXPECT_TRUE(RetryLockFailures(
                  policy, [] { return Status::Ok(); }, {.is_lock_failure = IsLockFailureForTest},
                  nullptr, &attempts)
                  .ok());
  EXPECT_EQ(attempts, 1);
}

}  // namespace
}  // namespace zs::ddl
