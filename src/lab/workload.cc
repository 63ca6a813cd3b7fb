#include "lab/workload.h"

#include <algorithm>
#include <optional>
#include <random>

#include <fmt/format.h>

#include "backend/postgres_backend.h"
#include "lab/users_table.h"
#include "pg/connection.h"
#include "pg/quote.h"

namespace zs::lab {

using Clock = std::chrono::steady_clock;

struct Workload::Client {
  int index = 0;
  std::thread thread;
  mutable std::mutex mu;
  std::vector<RequestRecord> records;  // GUARDED_BY(mu)
  std::atomic<double> in_flight_start{-1};
  std::atomic<int> served_generation{-1};  // target generation of its last finished request
};

namespace {

constexpr const char* kFirstNames[] = {"Alice", "Bob",   "Carol", "Dave", "Erin",
                                       "Frank", "Grace", "Heidi", "Ivan", "Judy"};
constexpr const char* kLastNames[] = {"Smith",  "Jones", "Brown",  "Lee",   "Garcia",
                                      "Miller", "Davis", "Wilson", "Moore", "Taylor"};
constexpr size_t kMaxErrorText = 120;

struct Request {
  RequestKind kind = RequestKind::kRead;
  long long id = 0;
  std::string first;
  std::string last;
};

struct Outcome {
  bool ok = true;
  bool timed_out = false;
  bool disconnected = false;
  std::string text;   // the log line without the duration
  std::string error;  // short error message when !ok
};

Request PickRequest(std::mt19937_64& rng, const WorkloadOptions& options) {
  Request request;
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

std::string ShortError(const Status& status) {
  std::string message = status.message();
  if (message.size() > kMaxErrorText) message = message.substr(0, kMaxErrorText - 3) + "...";
  return message;
}

// Runs one request as `version` on `conn` and describes its outcome.
Outcome Execute(pg::Connection& conn, ClientVersion version, const Request& r) {
  bool v1 = version == ClientVersion::kV1;
  const char* v = VersionName(version);
  std::string id = std::to_string(r.id);
  std::string full = r.first + " " + r.last;
  std::string email = fmt::format("{}.{}@example.com", r.first, r.last);
  Result<pg::Rows> rows = pg::Rows();
  std::string text;
  switch (r.kind) {
    case RequestKind::kRead:
      rows = v1 ? conn.ExecParams("SELECT name FROM users WHERE id = $1", {id})
                : conn.ExecParams("SELECT first_name, last_name FROM users WHERE id = $1", {id});
      if (rows.ok() && rows->empty()) text = fmt::format("READ id={} not found in {}", id, v);
      if (rows.ok() && !rows->empty()) {
        text = v1 ? fmt::format("READ id={} found {} in v1", id, rows->Get(0, 0))
                  : fmt::format("READ id={} found first_name={} last_name={} in v2", id,
                                rows->Get(0, 0), rows->Get(0, 1));
      }
      break;
    case RequestKind::kUpdate:
      rows = v1 ? conn.ExecParams("UPDATE users SET name = $2 WHERE id = $1", {id, full})
                : conn.ExecParams("UPDATE users SET first_name = $2, last_name = $3 WHERE id = $1",
                                  {id, r.first, r.last});
      text = v1 ? fmt::format("UPDATE id={} name='{}' in v1", id, full)
                : fmt::format("UPDATE id={} first_name='{}' last_name='{}' in v2", id, r.first,
                              r.last);
      break;
    case RequestKind::kInsert:
      rows = v1 ? conn.ExecParams("INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id",
                                  {full, email})
                : conn.ExecParams(
                      "INSERT INTO users (first_name, last_name, email) VALUES ($1, $2, $3) "
                      "RETURNING id",
                      {r.first, r.last, email});
      if (rows.ok()) {
        text = v1 ? fmt::format("INSERT id={} name='{}' in v1", rows->Get(0, 0), full)
                  : fmt::format("INSERT id={} first_name='{}' last_name='{}' in v2",
                                rows->Get(0, 0), r.first, r.last);
      }
      break;
  }
  if (rows.ok()) return {.text = text};
  std::string target = r.kind == RequestKind::kInsert ? "" : " id=" + id;
  Outcome failed{.ok = false,
                 .timed_out = backend::Postgres().Classify(rows.status()) ==
                              backend::ErrorClass::kStatementTimeout,
                 .disconnected = PQstatus(conn.raw()) != CONNECTION_OK,
                 .error = ShortError(rows.status())};
  failed.text = fmt::format("{}{} in {} ERROR: {}", KindName(r.kind), target, v, failed.error);
  return failed;
}

}  // namespace

const char* VersionName(ClientVersion version) {
  return version == ClientVersion::kV1 ? "v1" : "v2";
}

const char* KindName(RequestKind kind) {
  switch (kind) {
    case RequestKind::kRead:
      return "READ";
    case RequestKind::kUpdate:
      return "UPDATE";
    case RequestKind::kInsert:
      return "INSERT";
  }
  return "?";
}

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
  std::optional<pg::Connection> conn;
  int path_generation = -1;  // target generation whose search_path `conn` has
  Clock::duration interval{0};
  if (options_.rate > 0) {
    interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(static_cast<double>(options_.clients) / options_.rate));
  }
  Clock::time_point next = epoch_ + interval * client.index / std::max(1, options_.clients);
  pg::SessionSettings settings{.application_name = kClientApplicationName,
                               .statement_timeout = options_.timeout};
  while (!stopping_) {
    if (interval.count() > 0) {
      if (!SleepUntil(next)) break;
      next = std::max(next + interval, Clock::now());  // a stalled client does not burst after
    }
    Request request = PickRequest(rng, options_);
    Target target = CurrentTarget();
    double start = Now();
    client.in_flight_start = start;
    Outcome outcome;
    if (!conn) {
      Result<pg::Connection> opened = pg::Connection::Open(options_.conninfo, settings);
      if (opened.ok()) {
        conn.emplace(std::move(opened).value());
        path_generation = -1;
      } else {
        outcome = {.ok = false, .disconnected = true, .error = ShortError(opened.status())};
      }
    }
    if (conn && path_generation != target.generation) {
      std::string path =
          target.version == ClientVersion::kV1 ? "public" : pg::QuoteIdent(target.version_schema);
      Status set = conn->Run("SET search_path TO " + path);
      if (set.ok()) path_generation = target.generation;
      if (!set.ok()) outcome = {.ok = false, .error = ShortError(set)};
    }
    if (conn && outcome.ok) outcome = Execute(*conn, target.version, request);
    if (outcome.text.empty()) {
      outcome.text = fmt::format("{} in {} ERROR: {}", KindName(request.kind),
                                 VersionName(target.version), outcome.error);
    }
    RequestRecord record{.start_s = start,
                         .latency_ms = (Now() - start) * 1000.0,
                         .kind = request.kind,
                         .ok = outcome.ok,
                         .timed_out = outcome.timed_out};
    client.in_flight_start = -1;
    Record(client, record, fmt::format("{} ({:.1f} ms)", outcome.text, record.latency_ms),
           outcome.error);
    client.served_generation = target.generation;
    if (outcome.disconnected) {
      bool had_connection = conn.has_value();
      conn.reset();
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
  if (!record.ok) ++error_counts_[error];
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
