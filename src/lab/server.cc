#include "lab/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <random>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "lab/assets.h"

namespace zs::lab {
namespace {

constexpr const char* kJson = "application/json; charset=utf-8";

// Set by StopServing() and by the SIGINT/SIGTERM handler; a lock-free atomic
// is one of the few things a signal handler may touch.
std::atomic<bool> g_stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void OnStopSignal(int /*signal*/) { g_stop_requested.store(true); }

// Installs OnStopSignal for SIGINT and SIGTERM for as long as it lives and
// puts the previous handlers back afterwards.
class StopSignals {
 public:
  StopSignals() {
    struct sigaction action = {};
    action.sa_handler = OnStopSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_int_);
    sigaction(SIGTERM, &action, &previous_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction previous_int_ = {};
  struct sigaction previous_term_ = {};
};

// Invalid UTF-8 in a table cell must not turn the whole snapshot into an
// exception: it is replaced by U+FFFD.
std::string Dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void ReplyJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  // The page polls /api/state; a cached answer would freeze the dashboard.
  res.set_header("Cache-Control", "no-store");
  res.set_content(Dump(body), kJson);
}

// 202 with the new snapshot when the session accepted the action (its work
// continues in the background), 409 when another step is running, 500 else.
void ReplyToAction(httplib::Response& res, const Session& session, const Status& status) {
  if (status.ok()) {
    ReplyJson(res, 202, session.Snapshot());
  } else {
    int code = status.code() == Code::kConflict ? 409 : 500;
    ReplyJson(res, code, {{"error", status.ToString()}});
  }
}

// What the server accepts as its own name and origin, and the run's token.
struct Guard {
  int port = 0;  // set once bound, before the first request
  std::string token;

  bool IsOwnHost(const std::string& host) const {
    return host == fmt::format("127.0.0.1:{}", port) || host == fmt::format("localhost:{}", port);
  }
  bool IsOwnOrigin(const std::string& origin) const {
    return origin == fmt::format("http://127.0.0.1:{}", port) ||
           origin == fmt::format("http://localhost:{}", port);
  }
};

// A random 128-bit token in hex.
std::string RandomToken() {
  std::random_device random;
  std::string token;
  for (int i = 0; i < 4; ++i) token += fmt::format("{:08x}", random());
  return token;
}

void Refuse(httplib::Response& res, const std::string& message) {
  res.status = 403;
  res.set_header("Cache-Control", "no-store");
  res.set_content(Dump({{"error", message}}), kJson);
}

// Runs before routing: a foreign Host (DNS rebinding: evil.example resolving
// to 127.0.0.1) is refused for every request; a POST also needs the page's own
// Origin, when the browser sends one, and the token.
httplib::Server::HandlerResponse CheckRequest(const Guard& guard, const httplib::Request& req,
                                              httplib::Response& res) {
  std::string host = req.get_header_value("Host");
  if (!guard.IsOwnHost(host)) {
    Refuse(res, fmt::format("the lab dashboard answers only as 127.0.0.1:{0} or localhost:{0}, "
                            "not as \"{1}\"; open http://127.0.0.1:{0}/",
                            guard.port, host));
    return httplib::Server::HandlerResponse::Handled;
  }
  if (req.method == "GET" || req.method == "HEAD") {
    return httplib::Server::HandlerResponse::Unhandled;
  }
  if (req.has_header("Origin") && !guard.IsOwnOrigin(req.get_header_value("Origin"))) {
    Refuse(res, fmt::format("requests from {} may not change the lab; use its own page",
                            req.get_header_value("Origin")));
    return httplib::Server::HandlerResponse::Handled;
  }
  if (req.get_header_value(kTokenHeader) != guard.token) {
    Refuse(res, fmt::format("this request lacks the lab's token ({} header); use the buttons of "
                            "the page the lab serves, reloading it if the lab was restarted",
                            kTokenHeader));
    return httplib::Server::HandlerResponse::Handled;
  }
  return httplib::Server::HandlerResponse::Unhandled;
}

void ServeAsset(const Guard& guard, const httplib::Request& req, httplib::Response& res) {
  const Asset* asset = FindAsset(req.path == "/" ? "/index.html" : req.path);
  if (asset == nullptr) {
    res.status = 404;
    res.set_content(fmt::format("{} is not part of the lab dashboard; open / instead\n", req.path),
                    "text/plain; charset=utf-8");
    return;
  }
  bool page = asset->path == "/index.html";
  // The assets change only with the binary; revalidating on every load keeps
  // a rebuilt dashboard from mixing old and new files. The page carries the
  // run's token: never stored.
  res.set_header("Cache-Control", page ? "no-store" : "no-cache");
  std::string body(asset->body);
  // The token goes into the page only: same-origin script reads it, other sites cannot.
  for (size_t at = page ? body.find(kTokenPlaceholder) : std::string::npos; at != std::string::npos;
       at = body.find(kTokenPlaceholder, at + guard.token.size())) {
    body.replace(at, std::string_view(kTokenPlaceholder).size(), guard.token);
  }
  res.set_content(body, std::string(asset->content_type));
}

// httplib's default adds SO_REUSEPORT, which lets a second lab listen on the
// same port and take half the requests; SO_REUSEADDR alone only allows a
// restart while old connections linger in TIME_WAIT.
void ReuseAddressOnly(socket_t sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}

void AddRoutes(httplib::Server& server, Session& session, const Guard& guard) {
  server.set_pre_routing_handler([&guard](const httplib::Request& req, httplib::Response& res) {
    return CheckRequest(guard, req, res);
  });
  server.Get("/api/state", [&session](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, 200, session.Snapshot());
  });
  auto action = [&server, &session](const char* path, Status (Session::*method)()) {
    server.Post(path, [&session, method](const httplib::Request&, httplib::Response& res) {
      ReplyToAction(res, session, (session.*method)());
    });
  };
  action("/api/next", &Session::Next);
  action("/api/rollback", &Session::Rollback);
  action("/api/naive", &Session::RunNaive);
  action("/api/reset", &Session::Reset);
  server.Get(R"(/[^/]*)", [&guard](const httplib::Request& req, httplib::Response& res) {
    ServeAsset(guard, req, res);
  });
}

// Calls server.stop() once a stop is requested, polling the flag because a
// signal handler can neither lock a mutex nor notify a condition variable.
// httplib ignores stop() until its accept loop runs, hence is_running().
void WatchForStop(httplib::Server& server, const std::atomic<bool>& serving) {
  while (serving.load()) {
    if (g_stop_requested.load() && server.is_running()) {
      server.stop();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// Returns the port now listening, or 0 when the address cannot be bound.
int Bind(httplib::Server& server, const ServeOptions& options) {
  if (options.port == 0) return std::max(0, server.bind_to_any_port(options.host));
  return server.bind_to_port(options.host, options.port) ? options.port : 0;
}

}  // namespace

Status Serve(Session& session, const ServeOptions& options) {
  httplib::Server server;
  server.set_socket_options(ReuseAddressOnly);
  // Short keep-alive so that stopping does not wait on an idle browser tab.
  server.set_keep_alive_timeout(1);
  Guard guard;
  guard.token = options.token.empty() ? RandomToken() : options.token;
  AddRoutes(server, session, guard);

  int port = Bind(server, options);
  guard.port = port;
  if (port == 0) {
    return IoError(fmt::format(
        "the lab dashboard cannot listen on {}:{}; the port is in use or not allowed, pick another "
        "with --port (0 takes any free port)",
        options.host, options.port));
  }

  g_stop_requested.store(false);
  StopSignals signals;
  std::atomic<bool> serving{true};
  std::thread watcher(WatchForStop, std::ref(server), std::cref(serving));
  if (options.on_listening) options.on_listening(port);
  bool clean = server.listen_after_bind();
  serving.store(false);
  watcher.join();
  if (!clean && !g_stop_requested.load()) {
    return IoError(fmt::format("the lab dashboard on {}:{} stopped accepting connections",
                               options.host, port));
  }
  return Status::Ok();
}

void StopServing() { g_stop_requested.store(true); }

}  // namespace zs::lab
