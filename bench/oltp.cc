#include "bench/oltp.h"

#include <random>

namespace zs::bench {

OltpWorkload::~OltpWorkload() { Stop(); }

Status OltpWorkload::Start() {
  for (int i = 0; i < options_.clients; ++i) {
    pg::SessionSettings settings{.application_name = "zeroshift_bench_client"};
    ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(options_.url, settings));
    auto client = std::make_unique<Client>();
    client->conn = std::make_unique<pg::Connection>(std::move(conn));
    client->samples.reserve(1 << 16);
    clients_.push_back(std::move(client));
  }
  started_ = Clock::now();
  for (size_t i = 0; i < clients_.size(); ++i) {
    Client& client = *clients_[i];
    client.thread = std::thread([this, &client, i] { Run(client, static_cast<int>(i)); });
  }
  return Status::Ok();
}

double OltpWorkload::Stop() {
  if (stop_.exchange(true)) return elapsed_seconds_;
  elapsed_seconds_ = SecondsSince(started_);
  for (auto& client : clients_) {
    if (client->thread.joinable()) client->thread.join();
  }
  return elapsed_seconds_;
}

void OltpWorkload::Run(Client& client, int index) {
  std::mt19937_64 random(0x5eed + index);
  std::uniform_int_distribution<long long> id(1, std::max(1LL, options_.max_id));
  std::uniform_real_distribution<double> coin(0, 1);
  const bool open_loop = options_.rate_per_client > 0;
  const auto interval = open_loop ? std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(1 / options_.rate_per_client))
                                  : Clock::duration::zero();
  // Clients start out of phase so their transactions do not arrive in bursts.
  Clock::time_point due = Clock::now() + interval * index / std::max(1, options_.clients);
  const Clock::time_point deadline = Clock::now() + options_.max_duration;
  while (!stop_.load() && Clock::now() < deadline) {
    if (open_loop) {
      std::this_thread::sleep_until(due);
    } else {
      due = Clock::now();
    }
    int phase = phase_.load();
    bool write = coin(random) < options_.write_fraction;
    Status status = client.conn->RunParams(write ? options_.write_sql : options_.read_sql,
                                           {std::to_string(id(random))});
    double latency_ms = Seconds(Clock::now() - due) * 1000;
    client.samples.push_back({phase, write, status.ok(), latency_ms});
    if (!status.ok()) ++client.errors[{phase, status.ToString().substr(0, 120)}];
    due += interval;
  }
}

std::vector<PhaseStats> OltpWorkload::Collect() const {
  std::vector<PhaseStats> phases;
  for (const auto& client : clients_) {
    for (const Sample& s : client->samples) {
      if (s.phase >= static_cast<int>(phases.size())) phases.resize(s.phase + 1);
      PhaseStats& p = phases[s.phase];
      if (!s.ok) {
        ++p.errors;
        continue;
      }
      p.latencies_ms.push_back(s.latency_ms);
      ++(s.write ? p.writes : p.reads);
    }
    for (const auto& [key, count] : client->errors) {
      if (key.first >= static_cast<int>(phases.size())) phases.resize(key.first + 1);
      phases[key.first].errors_by_message[key.second] += count;
    }
  }
  return phases;
}

}  // namespace zs::bench

namespace zs::bench {

namespace {

// One row per active session of this database but the sampler: whether it is
// a workload client, and what it waits on.
constexpr char kWaitSampleSql[] =
    "SELECT application_name = 'zeroshift_bench_client', "
    "coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' "
    "AND backend_type = 'client backend'";

}  // namespace

WaitSampler::~WaitSampler() { Stop(); }

Status WaitSampler::Start() {
  pg::SessionSettings settings{.application_name = "zeroshift_bench_sampler"};
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(url_, settings));
  conn_ = std::make_unique<pg::Connection>(std::move(conn));
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void WaitSampler::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void WaitSampler::Run() {
  while (!stop_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!enabled_.load()) continue;
    Result<pg::Rows> rows = conn_->Exec(kWaitSampleSql);
    if (!rows.ok()) continue;  // a failed sample is left out, not guessed
    ++samples_;
    for (int i = 0; i < rows->size(); ++i) {
      ++(rows->GetBool(i, 0) ? clients_ : others_)[rows->Get(i, 1)];
    }
  }
}

nlohmann::json WaitSampler::ToJson() const {
  return {{"samples", samples_}, {"clients", clients_}, {"others", others_}};
}

}  // namespace zs::bench
