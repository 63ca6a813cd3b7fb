// A foreground workload of single-row transactions by primary key: a few
// client threads, each with its own libpq connection, reading or writing one
// random row of users per transaction. Open loop at a fixed rate (latency
// counted from the moment a transaction was due, so a stalled client still
// shows the wait it would have caused) or closed loop (as fast as the server
// answers, for transactions per second).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_util.h"
#include "core/status.h"

namespace zs::bench {

struct OltpOptions {
  std::string url;
  int clients = 4;
  // Transactions per second per client; 0 = closed loop.
  double rate_per_client = 100;
  double write_fraction = 0.5;
  long long max_id = 1;  // ids are drawn uniformly from [1, max_id]
  // One statement each, $1 = the id (bigint).
  std::string read_sql = "SELECT name FROM public.users WHERE id = $1";
  std::string write_sql = "UPDATE public.users SET name = name WHERE id = $1";
  // The loop never runs longer than this, whatever happens to Stop().
  std::chrono::seconds max_duration{3600};
};

// What the clients saw while the phase with this index was current.
struct PhaseStats {
  std::vector<double> latencies_ms;
  long long reads = 0;
  long long writes = 0;
  long long errors = 0;
  std::map<std::string, long long> errors_by_message;  // first 120 characters
};

class OltpWorkload {
 public:
  explicit OltpWorkload(OltpOptions options) : options_(std::move(options)) {}
  ~OltpWorkload();  // stops and joins the clients
  OltpWorkload(const OltpWorkload&) = delete;
  OltpWorkload& operator=(const OltpWorkload&) = delete;

  // Opens every connection first (a failure here starts nothing), then the threads.
  Status Start();
  // Transactions due from now on count in phase `index` (0 at start).
  void SetPhase(int index) { phase_.store(index); }
  // Stops the clients after their current transaction; returns the seconds
  // between Start and Stop.
  double Stop();
  // Per phase, merged over clients. REQUIRES: Stop() was called.
  std::vector<PhaseStats> Collect() const;

 private:
  struct Sample {
    int phase;
    bool write;
    bool ok;
    double latency_ms;
  };
  struct Client {
    std::unique_ptr<pg::Connection> conn;
    std::vector<Sample> samples;
    std::map<std::pair<int, std::string>, long long> errors;  // (phase, message)
    std::thread thread;
  };
  void Run(Client& client, int index);

  OltpOptions options_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::atomic<int> phase_{0};
  std::atomic<bool> stop_{false};
  Clock::time_point started_;
  double elapsed_seconds_ = 0;
};

}  // namespace zs::bench

namespace zs::bench {

// What the workload's sessions wait on: a thread of its own that reads
// pg_stat_activity every few ms (one statement, one consistent snapshot)
// while enabled, counting wait_event_type:wait_event ("CPU" when running
// without a wait) of the active client backends, apart from the other
// active sessions of the database (the backfill's).
class WaitSampler {
 public:
  explicit WaitSampler(std::string url) : url_(std::move(url)) {}
  ~WaitSampler();  // stops and joins
  WaitSampler(const WaitSampler&) = delete;
  WaitSampler& operator=(const WaitSampler&) = delete;

  Status Start();
  void SetEnabled(bool on) { enabled_.store(on); }
  void Stop();
  // {"samples": n, "clients": {event: count}, "others": {event: count}}.
  // REQUIRES: Stop() was called.
  nlohmann::json ToJson() const;

 private:
  void Run();

  std::string url_;
  std::unique_ptr<pg::Connection> conn_;
  std::thread thread_;
  std::atomic<bool> enabled_{false};
  std::atomic<bool> stop_{false};
  long long samples_ = 0;
  std::map<std::string, long long> clients_, others_;
};

}  // namespace zs::bench
