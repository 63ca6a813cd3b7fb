// The sampler's PostgreSQL probe on a real server, and the slowest request's
// explanation built from the samples. Event-ordered: each probe is called
// until the server shows the state the test set up, never after a sleep
// standing in for it.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "lab/lock_sampler.h"
#include "lab/postgres_probe.h"
#include "lab/users_table.h"
#include "pg/connection.h"
#include "testing/shared_cluster.h"

namespace zs::lab {
namespace {

bool SamplerTestSees(const LockProbe& probe, const std::string& part) {
  for (const std::string& line : probe.seen) {
    if (line.find(part) != std::string::npos) return true;
  }
  return false;
}

std::string SamplerTestLines(const LockProbe& probe) {
  std::string out;
  for (const std::string& line : probe.seen) out += line + "; ";
  return out;
}

// Calls `probe` until `done` holds for its answer; fails after a generous
// deadline (a hang, not a timing assumption).
LockProbe SamplerTestProbeUntil(const std::function<Result<LockProbe>()>& probe,
                                const std::function<bool(const LockProbe&)>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  LockProbe last;
  while (std::chrono::steady_clock::now() < deadline) {
    Result<LockProbe> sample = probe();
    EXPECT_TRUE(sample.ok()) << sample.status().ToString();
    if (!sample.ok()) return last;
    last = *sample;
    if (done(last)) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ADD_FAILURE() << "the probe never saw the expected state; last: " << SamplerTestLines(last);
  return last;
}

class LabServerProbe : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = testing::SharedCluster().Url();
    database_ = UniqueDatabaseName("zs_lab_probe");
    Result<std::string> url = RecreateDatabase(admin_, database_);
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    url_ = *url;
  }
  void TearDown() override { (void)DropDatabase(admin_, database_); }

  std::string admin_;
  std::string database_;
  std::string url_;
};

// A client held on a row lock shows up in the sample as a Lock wait, and in
// the explanation of the slowest request that ran across that sample.
TEST_F(LabServerProbe, ClientHeldOnALockExplainsTheSlowestRequest) {
  auto holder = pg::Connection::Open(url_, {.application_name = "zs-test-holder"});
  ASSERT_TRUE(holder.ok()) << holder.status().ToString();
  ASSERT_TRUE(
      holder->Run("CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0)").ok());
  ASSERT_TRUE(holder->Run("BEGIN; UPDATE t SET v = 1 WHERE id = 1").ok());
  auto client = pg::Connection::Open(url_, {.application_name = kClientApplicationName});
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto probe = OpenPostgresServerProbe(url_);
  ASSERT_TRUE(probe.ok()) << probe.status().ToString();

  Status client_update;
  std::thread waiter([&] { client_update = client->Run("UPDATE t SET v = 2 WHERE id = 1"); });
  LockProbe held = SamplerTestProbeUntil(*probe, [](const LockProbe& p) { return p.waiting == 1; });
  EXPECT_TRUE(held.client_waited);
  EXPECT_TRUE(SamplerTestSees(held, "1 client waiting on Lock:transactionid"))
      << SamplerTestLines(held);
  EXPECT_TRUE(SamplerTestSees(held, "other session idle in transaction")) << SamplerTestLines(held);
  // The sampler's own session (application_name zeroshift-lab-sampler) is never in it.
  EXPECT_FALSE(SamplerTestSees(held, "zeroshift")) << SamplerTestLines(held);
  ASSERT_TRUE(holder->Run("COMMIT").ok());
  waiter.join();
  EXPECT_TRUE(client_update.ok()) << client_update.ToString();
  LockProbe released =
      SamplerTestProbeUntil(*probe, [](const LockProbe& p) { return p.waiting == 0; });
  EXPECT_FALSE(SamplerTestSees(released, "zeroshift")) << SamplerTestLines(released);

  // The sample at t = 1.0 s fell inside the request [0.5 s, 1.5 s].
  std::vector<LockSample> samples = {{.t = 1.0,
                                      .interval_s = 0.02,
                                      .waiting = held.waiting,
                                      .longest_ms = held.longest_ms,
                                      .seen = held.seen,
                                      .client_waited = held.client_waited}};
  std::vector<StepResult> steps = {{.name = "backfill", .start_s = 0, .duration_ms = 2000}};
  std::vector<RequestRecord> records = {
      {.start_s = 0.2, .latency_ms = 3},
      {.start_s = 0.5, .latency_ms = 1000, .kind = RequestKind::kUpdate}};
  MeasureSteps(steps, samples, records);
  const SlowestRequest& slowest = steps[0].slowest;
  ASSERT_TRUE(slowest.found);
  EXPECT_EQ(slowest.start_s, 0.5);
  EXPECT_EQ(slowest.ms, 1000);
  EXPECT_EQ(slowest.kind, "update");
  EXPECT_EQ(slowest.samples, 1);
  EXPECT_NE(slowest.explanation.find("1 client waiting on Lock:transactionid (1/1)"),
            std::string::npos)
      << slowest.explanation;
  EXPECT_EQ(slowest.explanation.find("no client waited"), std::string::npos) << slowest.explanation;
}

// A checkpoint moves the checkpointer's counters: the next sample says so.
TEST_F(LabServerProbe, SeesACheckpoint) {
  auto probe = OpenPostgresServerProbe(url_);
  ASSERT_TRUE(probe.ok()) << probe.status().ToString();
  ASSERT_TRUE((*probe)().ok());  // the counters before
  auto conn = pg::Connection::Open(url_);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ASSERT_TRUE(conn->Run("CHECKPOINT").ok());
  SamplerTestProbeUntil(
      *probe, [](const LockProbe& p) { return SamplerTestSees(p, "checkpoint running"); });
}

// No sample saw a client wait: the time went outside the server's waits.
TEST(LabExplainRequest, SaysWhenTheServerSawNoWait) {
  RequestRecord request{.start_s = 1.0, .latency_ms = 80};
  std::vector<LockSample> quiet = {{.t = 1.02}, {.t = 1.04}, {.t = 1.06}};
  SlowestRequest idle = ExplainRequest(request, quiet);
  EXPECT_EQ(idle.samples, 3);
  EXPECT_NE(idle.explanation.find("no wait seen on the server"), std::string::npos)
      << idle.explanation;

  std::vector<LockSample> busy = {
      {.t = 1.02, .seen = {"autovacuum on users (scanning heap)"}},
      {.t = 1.04, .seen = {"autovacuum on users (scanning heap)", "checkpoint running"}}};
  SlowestRequest vacuum = ExplainRequest(request, busy);
  EXPECT_EQ(vacuum.explanation,
            "2 samples while it ran saw: autovacuum on users (scanning heap) (2/2); checkpoint "
            "running (1/2); no client waited on the server: the time was spent outside the "
            "server's sampled waits (client host/CPU, or a wait shorter than a sample)");

  SlowestRequest short_one =
      ExplainRequest({.start_s = 1.0, .latency_ms = 5}, {{.t = 1.02, .seen = {"x"}}});
  EXPECT_EQ(short_one.samples, 0);
  EXPECT_EQ(short_one.explanation,
            "no sample was taken while it ran (shorter than the sampling interval); the next "
            "sample, 15 ms after it ended, saw: x");
}

// A long request with no sample inside it: the sampler itself did not run.
TEST(LabExplainRequest, SaysWhenTheSamplerItselfWasHeldUp) {
  std::vector<LockSample> samples = {{.t = 0.98, .interval_s = 0.02},
                                     {.t = 1.00, .interval_s = 0.02},
                                     {.t = 1.10, .interval_s = 0.10},
                                     {.t = 1.12, .interval_s = 0.02}};
  SlowestRequest held = ExplainRequest({.start_s = 1.005, .latency_ms = 80}, samples);
  EXPECT_EQ(held.samples, 0);
  EXPECT_NE(held.explanation.find("took none for 100 ms around it (typically every 20 ms)"),
            std::string::npos)
      << held.explanation;
}

}  // namespace
}  // namespace zs::lab
