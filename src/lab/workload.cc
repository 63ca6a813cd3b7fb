#include "lab/workload.h"

#include <algorithm>
#include <optional>
#include <random>

#include <fmt/format.h>

namespace zs::lab {

using Clock = std::chrono::steady_clock;

struct Workload::Client {
  int index = 0;
  std::thread thread;
  mutable std::mutex mu;
  std::vector<RequestRecord> records;  // GUARDED_BY(mu)
  std::atomic<double> in_flight_start{-1};
  std::atomic<int> served_generation{-1};  // target generation of its last finished request
  std::atomic<long long> session_id{0};    // of its connection; 0 while it has none
};

namespace {

constexpr const char* kFirstNames[] = {"Alice", "Bob",   "Carol", "Dave", "Erin",
                                       "Frank", "Grace", "Heidi", "Ivan", "Judy"};
constexpr const char* kLastNames[] = {"Smith",  "Jones", "Brown",  "Lee",   "Garcia",
                                      "Miller", "Davis", "Wilson", "Moore", "Taylor"};
ClientRequest PickRequest(std::mt19937_64& rng, const WorkloadOptions& options) {
  ClientRequest request;
  int roll = static_cast<int>(rng() % 100);
  request.kind = roll < options.read_percent                            ? RequestKind::kRead
                 : roll < options.read_percent + options.update_percent ? RequestKind::kUpdate
                                                                        : RequestKind::kInsert;
  request.id =
      1 + static_cast<long long>(rng() % static_cast<uint64_t>(std::max(1LL, options.id_range)));
  request.first = kFirstNames[rng() % std::size(kFirstNames)];
  request.last = kLastNames[rng() % std::size(kLastNames)];
  return request;
}

}  // namespace

Workload::Workload(WorkloadOptions options) : options_(std::move(options)) {}

Workload::~Workload() { Stop(); }

void Workload::Start() {
  epoch_ = Clock::now();
  for (int i = 0; i < options_.clients; ++i) {
    auto client = std::make_unique<Client>();
    client->index = i;
    clients_.push_back(std::move(client));
  }
  for (auto& client : clients_) {
    client->thread = std::thread([this, c = client.get()] { RunClient(*c); });
  }
}

void Workload::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  for (auto& client : clients_) {
    if (client->thread.joinable()) client->thread.join();
  }
}

bool Workload::SleepUntil(Clock::time_point deadline) {
  std::unique_lock lock(stop_mu_);
  return !stop_cv_.wait_until(lock, deadline, [this] { return stopping_.load(); });
}

double Workload::Now() const {
  return std::chrono::duration<double>(Clock::now() - epoch_).count();
}

void Workload::ShiftTo(ClientVersion version, const std::string& version_schema) {
  std::lock_guard lock(target_mu_);
  target_.version = version;
  target_.version_schema = version_schema;
  target_generation_ = ++target_.generation;
}

Workload::Target Workload::CurrentTarget() const {
  std::lock_guard lock(target_mu_);
  return target_;
}

ClientVersion Workload::target_version() const { return CurrentTarget().version; }

bool Workload::AllShifted() const {
  int generation = target_generation_.load();
  return std::all_of(clients_.begin(), clients_.end(), [generation](const auto& c) {
    return c->served_generation.load() == generation;
  });
}

void Workload::RunClient(Client& client) {
  std::mt19937_64 rng(std::random_device{}() + static_cast<uint64_t>(client.index));
  const ClientBackend& clients = ClientBackendFor(options_.backend);
  std::unique_ptr<ClientConnection> conn;
  int path_generation = -1;  // target generation whose version `conn` uses
  Clock::duration interval{0};
  if (options_.rate > 0) {
    interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(static_cast<double>(options_.clients) / options_.rate));
  }
  Clock::time_point next = epoch_ + interval * client.index / std::max(1, options_.clients);
  while (!stopping_) {
    if (interval.count() > 0) {
      if (!SleepUntil(next)) break;
      next = std::max(next + interval, Clock::now());  // a stalled client does not burst after
    }
    ClientRequest request = PickRequest(rng, options_);
    Target target = CurrentTarget();
    double start = Now();
    client.in_flight_start = start;
    ClientOutcome outcome;
    if (!conn) {
      Result<std::unique_ptr<ClientConnection>> opened =
          clients.Connect(options_.conninfo, options_.timeout);
      if (opened.ok()) {
        conn = std::move(opened).value();
        client.session_id = conn->SessionId();
        path_generation = -1;
      } else {
        outcome = {.ok = false, .disconnected = true, .error = ShortClientError(opened.status())};
      }
    }
    if (conn && path_generation != target.generation) {
      Status set = conn->UseVersion(target.version, target.version_schema);
      if (set.ok()) path_generation = target.generation;
      if (!set.ok()) outcome = {.ok = false, .error = ShortClientError(set)};
    }
    if (conn && outcome.ok) outcome = conn->Execute(target.version, request);
    if (outcome.text.empty()) {
      outcome.text = fmt::format("{} in {} ERROR: {}", KindName(request.kind),
                                 VersionName(target.version), outcome.error);
    }
    RequestRecord record{.start_s = start,
                         .latency_ms = (Now() - start) * 1000.0,
                         .kind = request.kind,
                         .ok = outcome.ok,
                         .timed_out = outcome.timed_out,
                         .error_class = outcome.error_class};
    client.in_flight_start = -1;
    Record(client, record, fmt::format("{} ({:.1f} ms)", outcome.text, record.latency_ms),
           outcome.error);
    client.served_generation = target.generation;
    if (outcome.disconnected) {
      bool had_connection = conn != nullptr;
      conn.reset();
      client.session_id = 0;
      // A refused connection is retried after a pause rather than in a tight loop.
      if (!had_connection && !SleepUntil(Clock::now() + std::chrono::milliseconds(200))) break;
    }
  }
}

void Workload::Record(Client& client, const RequestRecord& record, const std::string& text,
                      const std::string& error) {
  {
    std::lock_guard lock(client.mu);
    client.records.push_back(record);
  }
  std::lock_guard lock(log_mu_);
  log_.push_back({.t = record.end_s(), .ok = record.ok, .text = text});
  while (log_.size() > options_.log_capacity) log_.pop_front();
  if (!record.ok) {
    ++error_counts_[error];
    ++error_class_counts_[record.error_class];
  }
}

std::vector<RequestRecord> Workload::Records() const { return RecordsSince(-1e300); }

std::vector<RequestRecord> Workload::RecordsSince(double since_s) const {
  std::vector<RequestRecord> out;
  for (const auto& client : clients_) {
    std::lock_guard lock(client->mu);
    // Each client's records are in start order: skip the older ones by bisection.
    auto first = std::lower_bound(client->records.begin(), client->records.end(), since_s,
                                  [](const RequestRecord& r, double t) { return r.start_s < t; });
    out.insert(out.end(), first, client->records.end());
  }
  return out;
}

std::vector<double> Workload::InFlightStarts() const {
  std::vector<double> out;
  for (const auto& client : clients_) {
    double start = client->in_flight_start.load();
    if (start >= 0) out.push_back(start);
  }
  return out;
}

std::vector<LogLine> Workload::RecentLog(size_t max) const {
  std::lock_guard lock(log_mu_);
  size_t skip = log_.size() > max ? log_.size() - max : 0;
  return {log_.begin() + static_cast<long>(skip), log_.end()};
}

std::map<std::string, long long> Workload::ErrorCounts() const {
  std::lock_guard lock(log_mu_);
  return error_counts_;
}

}  // namespace zs::lab

namespace zs::lab {

std::map<backend::ErrorClass, long long> Workload::ErrorClassCounts() const {
  std::lock_guard lock(log_mu_);
  return error_class_counts_;
}

std::vector<long long> Workload::ClientSessionIds() const {
  std::vector<long long> out;
  for (const auto& client : clients_) {
    long long id = client->session_id.load();
    if (id != 0) out.push_back(id);
  }
  return out;
}

}  // namespace zs::lab
