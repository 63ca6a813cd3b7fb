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
