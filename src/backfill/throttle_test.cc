// The batch-size controller as pure logic, and the pressure probes against a
// real PostgreSQL (a long transaction, a session waiting for a lock).
#include "backfill/throttle.h"
#include "testing/test_support.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "backfill/postgres_batch.h"
#include "pg/connection.h"
#include "testing/shared_cluster.h"

namespace zs::backfill {
namespace {

using zs::testing::Open;

using std::chrono::milliseconds;

ControllerLimits Limits() {
  return {.initial_rows = 1000,
          .min_rows = 100,
          .max_rows = 50000,
          .target = milliseconds(100),
          .initial_backoff = milliseconds(100),
          .max_backoff = milliseconds(1000)};
}

// A table where each row costs `per_row_us` microseconds.
std::chrono::duration<double> Cost(long long rows, double per_row_us) {
  return std::chrono::duration<double>(rows * per_row_us / 1e6);
}

TEST(BatchSizeControllerTest, ConvergesOnTheTargetDuration) {
  BatchSizeController c(Limits());
  // 20 us per row: the target of 100 ms is 5000 rows.
  for (int i = 0; i < 30; ++i) c.Observe(c.batch_rows(), Cost(c.batch_rows(), 20));
  EXPECT_NEAR(c.batch_rows(), 5000, 50);
}

TEST(BatchSizeControllerTest, GrowsAtMostDoublePerBatchAndShrinksAtOnce) {
  BatchSizeController c(Limits());
  c.Observe(1000, Cost(1000, 1));  // 100x faster than target: capped growth
  EXPECT_EQ(c.batch_rows(), 2000);
  c.Observe(2000, Cost(2000, 100));  // 2x over target: halves in one step
  EXPECT_EQ(c.batch_rows(), 1000);
  c.Observe(1000, Cost(1000, 10000));  // 100x over target: at most /4
  EXPECT_EQ(c.batch_rows(), 250);
}

TEST(BatchSizeControllerTest, StaysWithinBounds) {
  BatchSizeController c(Limits());
  for (int i = 0; i < 40; ++i) c.Observe(c.batch_rows(), Cost(c.batch_rows(), 0.01));
  EXPECT_EQ(c.batch_rows(), 50000);
  for (int i = 0; i < 40; ++i) c.Observe(c.batch_rows(), Cost(c.batch_rows(), 100000));
  EXPECT_EQ(c.batch_rows(), 100);
  ControllerLimits odd = Limits();
  odd.initial_rows = 10;
  EXPECT_EQ(BatchSizeController(odd).batch_rows(), 100);
}

TEST(BatchSizeControllerTest, EmptyBatchesTeachNothing) {
  BatchSizeController c(Limits());
  c.Observe(0, std::chrono::duration<double>(5));
  EXPECT_EQ(c.batch_rows(), 1000);
}

TEST(BatchSizeControllerTest, RetargetingMovesTheSize) {
  BatchSizeController c(Limits());
  for (int i = 0; i < 30; ++i) c.Observe(c.batch_rows(), Cost(c.batch_rows(), 20));
  c.SetTarget(milliseconds(20));
  for (int i = 0; i < 30; ++i) c.Observe(c.batch_rows(), Cost(c.batch_rows(), 20));
  EXPECT_NEAR(c.batch_rows(), 1000, 20);
}

TEST(BatchSizeControllerTest, PressureHalvesAndBacksOffExponentiallyWithACap) {
  BatchSizeController c(Limits());
  EXPECT_EQ(c.OnPressure(), milliseconds(100));
  EXPECT_EQ(c.batch_rows(), 500);
  EXPECT_EQ(c.OnPressure(), milliseconds(200));
  EXPECT_EQ(c.OnPressure(), milliseconds(400));
  EXPECT_EQ(c.OnPressure(), milliseconds(800));
  EXPECT_EQ(c.OnPressure(), milliseconds(1000));
  EXPECT_EQ(c.OnPressure(), milliseconds(1000));
  EXPECT_EQ(c.batch_rows(), 100);
  c.OnCalm();
  EXPECT_EQ(c.OnPressure(), milliseconds(100));
}

TEST(PressureReasonTest, NamesTheFirstProbeOverItsThreshold) {
  PressureThresholds t{.lock_waits = true,
                       .max_xact_age = milliseconds(1000),
                       .max_lag_bytes = 1 << 20,
                       .max_replay_lag = milliseconds(5000)};
  EXPECT_EQ(PressureReason({}, t), "");
  EXPECT_EQ(PressureReason({.standbys = 1, .max_lag_bytes = 1 << 20}, t), "");
  EXPECT_EQ(PressureReason({.standbys = 1, .max_lag_bytes = 3 << 20}, t),
            "standby replay lag 3072 kB > 1024 kB on the standby furthest behind "
            "(pg_stat_replication names it): the backfill backs off until it catches up; raise "
            "--backfill-max-lag-mb (0: ignore) if it may fall this far behind");
  EXPECT_EQ(PressureReason({.lock_waiters = 2}, t),
            "2 session(s) waiting for a lock on the table: the backfill halves its batch and "
            "backs off until none waits, then speeds up again by itself");
  EXPECT_EQ(PressureReason({.long_transactions = 1}, t),
            "1 transaction(s) open longer than 1000 ms (--backfill-max-xact-age); the backfill "
            "sleeps after each batch in proportion to its age (--backfill-long-xact=throttle); "
            "or run the backfill with --backfill-long-xact=wait, proceed or stop");
  EXPECT_EQ(PressureReason({.standbys = 1, .max_replay_lag_ms = 6000}, t),
            "standby replay lag 6000 ms > 5000 ms on the standby or replica furthest behind "
            "(pg_stat_replication names it; on MariaDB, SHOW ALL REPLICAS STATUS on each "
            "--replica-url): the backfill backs off until it catches up; raise "
            "--backfill-max-replay-lag (0: ignore) if it may fall this far behind");
  t.lock_waits = false;
  t.max_xact_age = milliseconds(0);
  EXPECT_EQ(PressureReason({.lock_waiters = 2, .long_transactions = 1}, t), "");
}

PressureSample LongTransaction(double age_ms) {
  return {.long_transactions = 1,
          .oldest_transaction = BlockingSession{.pid = 77,
                                                .user = "app",
                                                .application_name = "report-job",
                                                .client = "local",
                                                .state = "idle in transaction",
                                                .xact_age_ms = age_ms}};
}

// Issue 20: a long transaction halved every batch to the minimum and backed
// off exponentially (~100 rows/s). Now: the batch keeps its size and the
// sleep is the last batch's time times the transaction's age over the
// threshold (1 to 4), the same for every batch.
TEST(DecideThrottleTest, ALongTransactionThrottlesInProportion) {
  BatchSizeController c(Limits());
  PressureThresholds t{.max_xact_age = milliseconds(60000)};
  for (int i = 0; i < 10; ++i) {
    ThrottleStep step = DecideThrottle(LongTransaction(120000), t, milliseconds(100), c);
    EXPECT_EQ(step.action, ThrottleStep::Action::kGo);
    EXPECT_EQ(step.sleep, milliseconds(200)) << "batch " << i;
    EXPECT_EQ(c.batch_rows(), 1000) << "batch " << i;
    EXPECT_NE(step.reason.find("pid 77"), std::string::npos) << step.reason;
  }
  EXPECT_EQ(DecideThrottle(LongTransaction(61000), t, milliseconds(100), c).sleep,
            milliseconds(102));
  EXPECT_EQ(DecideThrottle(LongTransaction(1e7), t, milliseconds(100), c).sleep, milliseconds(400));
  EXPECT_EQ(DecideThrottle(LongTransaction(1e7), t, milliseconds(900), c).sleep, milliseconds(1000))
      << "capped at max_backoff";
  EXPECT_EQ(DecideThrottle({}, t, milliseconds(100), c).reason, "");
}

// Issue 17: in wait mode the reason still offered --backfill-long-xact=wait.
// Each mode's reason names the session, what the backfill does in that mode,
// and offers only the other modes.
TEST(PressureReasonTest, ALongTransactionsReasonSaysWhatThisModeDoesAndOffersTheOthers) {
  PressureThresholds t{.max_xact_age = milliseconds(60000)};
  const std::string session =
      "1 transaction(s) open longer than 60000 ms (--backfill-max-xact-age), the oldest in pid 77 "
      "(user app, application \"report-job\", local, idle in transaction for 120 s): it keeps "
      "vacuum from removing the rows the backfill rewrites; end it with SELECT "
      "pg_terminate_backend(77); ";
  const struct {
    LongTransactionPolicy policy;
    std::string does;
    std::string others;
  } modes[] = {
      {LongTransactionPolicy::kThrottle,
       "the backfill sleeps after each batch in proportion to its age "
       "(--backfill-long-xact=throttle)",
       "or run the backfill with --backfill-long-xact=wait, proceed or stop"},
      {LongTransactionPolicy::kWait,
       "the backfill runs no batch until it ends (--backfill-long-xact=wait)",
       "or interrupt the backfill and run it again with --backfill-long-xact=throttle, proceed "
       "or stop"},
      {LongTransactionPolicy::kProceed,
       "the backfill goes on at full speed (--backfill-long-xact=proceed), so the rows it "
       "rewrites stay behind as dead versions until it ends",
       "or run the backfill with --backfill-long-xact=throttle, wait or stop"},
      {LongTransactionPolicy::kStop, "the backfill stops for it (--backfill-long-xact=stop)",
       "or run the backfill again with --backfill-long-xact=throttle, wait or proceed"},
  };
  for (const auto& mode : modes) {
    t.long_transactions = mode.policy;
    const std::string name(PolicyName(mode.policy));
    std::string reason = PressureReason(LongTransaction(120000), t);
    EXPECT_EQ(reason, session + mode.does + "; " + mode.others) << name;
    // The chosen mode appears once, as what is being done; the advice after
    // "; or " names only the others.
    size_t advice = reason.rfind("; or ");
    ASSERT_NE(advice, std::string::npos) << reason;
    EXPECT_EQ(reason.find(name, advice), std::string::npos) << reason;
    size_t chosen = reason.find("--backfill-long-xact=" + name);
    ASSERT_NE(chosen, std::string::npos) << reason;
    EXPECT_LT(chosen, advice) << reason;
    EXPECT_EQ(reason.find("--backfill-long-xact=" + name, chosen + 1), std::string::npos) << reason;
  }
  // MariaDB's session: its own statement and what it holds back.
  PressureSample mariadb = LongTransaction(120000);
  mariadb.oldest_transaction->end_statement = "KILL 77";
  mariadb.oldest_transaction->holds_back = "purge";
  t.long_transactions = LongTransactionPolicy::kWait;
  std::string reason = PressureReason(mariadb, t);
  EXPECT_NE(reason.find("it keeps purge from removing the rows the backfill rewrites; end it "
                        "with KILL 77; the backfill runs no batch until it ends"),
            std::string::npos)
      << reason;
}

TEST(DecideThrottleTest, TheUserChoosesToWaitProceedOrStop) {
  BatchSizeController c(Limits());
  PressureThresholds t{.max_xact_age = milliseconds(60000)};
  t.long_transactions = LongTransactionPolicy::kWait;
  ThrottleStep wait =
      DecideThrottle(LongTransaction(120000), t, milliseconds(100), c, milliseconds(250));
  EXPECT_EQ(wait.action, ThrottleStep::Action::kWaitAndProbe);
  EXPECT_EQ(wait.sleep, milliseconds(250));
  t.long_transactions = LongTransactionPolicy::kProceed;
  ThrottleStep proceed = DecideThrottle(LongTransaction(120000), t, milliseconds(100), c);
  EXPECT_EQ(proceed.action, ThrottleStep::Action::kGo);
  EXPECT_EQ(proceed.sleep, milliseconds(0));
  EXPECT_NE(proceed.reason, "") << "proceeding still reports the session";
  t.long_transactions = LongTransactionPolicy::kStop;
  ThrottleStep stop = DecideThrottle(LongTransaction(120000), t, milliseconds(100), c);
  EXPECT_EQ(stop.action, ThrottleStep::Action::kStop);
  EXPECT_NE(stop.reason.find("pg_terminate_backend(77)"), std::string::npos) << stop.reason;
  EXPECT_EQ(c.batch_rows(), 1000);
  // Lock waits still halve the batch and back off, whatever the policy.
  PressureSample both = LongTransaction(120000);
  both.lock_waiters = 1;
  ThrottleStep locked = DecideThrottle(both, t, milliseconds(100), c);
  EXPECT_EQ(locked.action, ThrottleStep::Action::kGo);
  EXPECT_EQ(locked.sleep, milliseconds(100));
  EXPECT_EQ(c.batch_rows(), 500);

  for (const char* name : {"throttle", "wait", "proceed", "stop"}) {
    Result<LongTransactionPolicy> policy = ParseLongTransactionPolicy(name);
    ASSERT_TRUE(policy.ok()) << name;
    EXPECT_EQ(PolicyName(*policy), name);
  }
  EXPECT_FALSE(ParseLongTransactionPolicy("ignore").ok());
}

// --backfill-nice-ratio: the batches yield while clients work (a hidden
// session counts as working) and the ratio is not 0; each pause is ratio x
// the batch's time.
TEST(NiceDelayTest, YieldsWhileClientsWorkByTheRatioOfTheBatch) {
  PressureSample working{.clients_working = 3};
  EXPECT_TRUE(ShouldYield(working, 1.0));
  EXPECT_FALSE(ShouldYield(working, 0)) << "0 disables";
  EXPECT_FALSE(ShouldYield(PressureSample{}, 1.0)) << "no client works: full speed";
  PressureSample hidden{.hidden_sessions = 1};
  EXPECT_EQ(WorkingClients(hidden), 1);
  EXPECT_TRUE(ShouldYield(hidden, 1.0)) << "a session whose state is hidden counts as working";
  EXPECT_EQ(NiceDelay(1.0, milliseconds(40)), milliseconds(40));
  EXPECT_EQ(NiceDelay(0.5, milliseconds(40)), milliseconds(20));
  EXPECT_EQ(NiceDelay(2.5, milliseconds(40)), milliseconds(100));
  EXPECT_EQ(NiceDelay(0, milliseconds(40)), milliseconds(0));
}

TEST(NiceDelayTest, TheReasonNamesTheClientsTheRatioAndTheFlag) {
  PressureSample s{.hidden_sessions = 1, .clients_working = 2};
  std::string one = YieldReason(s, 1.0, 1);
  EXPECT_NE(one.find("3 client session(s) working"), std::string::npos) << one;
  EXPECT_NE(one.find("1 of them of other roles"), std::string::npos) << one;
  EXPECT_NE(one.find("the backfill sleeps 1.0 x the batch's time"), std::string::npos) << one;
  EXPECT_NE(one.find("--backfill-nice-ratio 1; 0: full speed"), std::string::npos) << one;
  std::string two = YieldReason(PressureSample{.clients_working = 1}, 1.0, 2);
  EXPECT_NE(two.find("its 2 sessions taking turns"), std::string::npos) << two;
  // The visibility note says hidden sessions hold the backfill back.
  std::string note = VisibilityNote(s);
  EXPECT_NE(note.find("count as clients working"), std::string::npos) << note;
}

TEST(ProbePressureTest, SeesALongTransactionButNotAnIdleSession) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection probe = Open(url);
  pg::Connection idle = Open(url);
  pg::Connection open_xact = Open(url);
  ASSERT_TRUE(probe.Run("CREATE TABLE t (id int PRIMARY KEY)").ok());
  PressureThresholds t{.max_xact_age = milliseconds(300)};
  Result<PressureSample> calm = ProbePressure(probe, "public.t", t);
  ASSERT_TRUE(calm.ok()) << calm.status().ToString();
  EXPECT_EQ(calm->long_transactions, 0);
  EXPECT_EQ(calm->lock_waiters, 0);
  EXPECT_EQ(calm->standbys, 0);

  ASSERT_TRUE(open_xact.Run("SET application_name = 'report-job'").ok());
  ASSERT_TRUE(open_xact.Run("BEGIN; SELECT count(*) FROM t").ok());
  std::this_thread::sleep_for(milliseconds(500));
  Result<PressureSample> busy = ProbePressure(probe, "public.t", t);
  ASSERT_TRUE(busy.ok()) << busy.status().ToString();
  EXPECT_EQ(busy->long_transactions, 1);
  EXPECT_NE(PressureReason(*busy, t), "");
  // The session is named: whom to end, or to wait for.
  ASSERT_TRUE(busy->oldest_transaction.has_value());
  const BlockingSession& blocking = *busy->oldest_transaction;
  EXPECT_EQ(blocking.pid, open_xact.Exec("SELECT pg_backend_pid()")->GetInt(0, 0));
  EXPECT_EQ(blocking.application_name, "report-job");
  EXPECT_EQ(blocking.state, "idle in transaction");
  EXPECT_GE(blocking.xact_age_ms, 300);
  EXPECT_NE(blocking.query.find("count(*) FROM t"), std::string::npos) << blocking.query;
  EXPECT_NE(PressureReason(*busy, t).find("pid " + std::to_string(blocking.pid)), std::string::npos)
      << PressureReason(*busy, t);
  ASSERT_TRUE(open_xact.Run("COMMIT").ok());
  Result<PressureSample> after = ProbePressure(probe, "public.t", t);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->long_transactions, 0);
}

TEST(ProbePressureTest, SeesASessionWaitingForALockOnTheTable) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection probe = Open(url);
  pg::Connection holder = Open(url);
  ASSERT_TRUE(probe.Run("CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE other (id int)").ok());
  ASSERT_TRUE(holder.Run("BEGIN; LOCK TABLE t IN ACCESS SHARE MODE").ok());
  // A DDL statement queues behind the reader (it waits up to 3 s).
  std::thread waiter([&url] {
    pg::Connection ddl = Open(url);
    (void)ddl.Run("SET lock_timeout = '3s'; ALTER TABLE t ADD COLUMN v int");
  });
  PressureThresholds t{.max_xact_age = milliseconds(0)};
  long long waiters = 0;
  for (int i = 0; i < 100 && waiters == 0; ++i) {
    Result<PressureSample> sample = ProbePressure(probe, "public.t", t);
    ASSERT_TRUE(sample.ok()) << sample.status().ToString();
    waiters = sample->lock_waiters;
    if (waiters == 0) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(waiters, 1);
  Result<PressureSample> elsewhere = ProbePressure(probe, "public.other", t);
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_EQ(elsewhere->lock_waiters, 0) << "a wait on another table is not our pressure";
  ASSERT_TRUE(holder.Run("COMMIT").ok());
  waiter.join();
}

}  // namespace
}  // namespace zs::backfill
