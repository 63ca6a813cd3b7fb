// The dashboard's HTTP layer: routes, status codes, content types, caching,
// 409 when a step is already running, loopback-only binding, and the ways
// Serve() returns. A small scripted Session stands in for the lab so that each
// answer of the API can be provoked on demand; one test serves the real lab.
// The lab itself is tested in lab_test.cc and, with this server and the page,
// end to end by tests/e2e/lab_e2e.mjs.
#include "lab/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <chrono>
#include <csignal>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <httplib.h>

#include "lab/assets.h"
#include "testing/shared_cluster.h"
#include "testing/test_paths.h"

namespace zs::lab {
namespace {

// Answers each action with the Status the test sets, and counts the calls.
class ScriptedSession : public Session {
 public:
  Status Next() override { return Record("next"); }
  Status Rollback() override { return Record("rollback"); }
  Status RunNaive() override { return Record("naive"); }
  Status Reset() override { return Record("reset"); }

  nlohmann::json Snapshot() const override {
    std::lock_guard<std::mutex> lock(mu_);
    // "\xff" is not UTF-8: a table cell like it must not break the snapshot.
    return {{"step", last_action_}, {"calls", calls_}, {"rows", {{1, "Alice Smith"}, {2, "\xff"}}}};
  }

  void set_answer(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    answer_ = std::move(status);
  }

 private:
  Status Record(const std::string& action) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!answer_.ok()) return answer_;
    last_action_ = action;
    ++calls_;
    return Status::Ok();
  }

  mutable std::mutex mu_;
  Status answer_;
  std::string last_action_ = "v1";
  int calls_ = 0;
};

constexpr const char* kToken = "test-token-3f9c";

// Runs Serve() on a free loopback port on its own thread until destroyed.
class RunningServer {
 public:
  explicit RunningServer(Session& session, std::string token = kToken) {
    std::future<int> port = bound_.get_future();
    thread_ = std::thread([this, &session, token] {
      ServeOptions options;
      options.port = 0;
      options.token = token;
      options.on_listening = [this](int p) {
        listened_ = true;
        bound_.set_value(p);
      };
      result_ = Serve(session, options);
      if (!result_.ok() && !listened_) bound_.set_value(-1);
    });
    port_ = port.get();
  }
  ~RunningServer() { static_cast<void>(Stop()); }

  int port() const { return port_; }

  // Returns what Serve() returned.
  Status Stop() {
    if (thread_.joinable()) {
      StopServing();
      thread_.join();
    }
    return result_;
  }

  // Waits for Serve() to return by itself (after a signal).
  Status Join() {
    thread_.join();
    return result_;
  }

 private:
  std::promise<int> bound_;
  bool listened_ = false;  // written and read on thread_ only
  std::thread thread_;
  int port_ = -1;
  Status result_;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.emplace(session_);
    ASSERT_GT(server_->port(), 0) << server_->Stop().ToString();
    client_.emplace("127.0.0.1", server_->port());
    client_->set_read_timeout(5);
    client_->set_default_headers({{kTokenHeader, kToken}});
  }

  int Calls() { return nlohmann::json::parse(client_->Get("/api/state")->body)["calls"]; }

  ScriptedSession session_;
  std::optional<RunningServer> server_;
  std::optional<httplib::Client> client_;
};

TEST_F(ServerTest, ServesTheEmbeddedPageWithItsContentTypes) {
  struct Case {
    const char* url;
    const char* asset;
    const char* type;
  };
  for (const Case& c : {Case{"/", "/index.html", "text/html; charset=utf-8"},
                        Case{"/index.html", "/index.html", "text/html; charset=utf-8"},
                        Case{"/app.js", "/app.js", "text/javascript; charset=utf-8"},
                        Case{"/style.css", "/style.css", "text/css; charset=utf-8"}}) {
    httplib::Result res = client_->Get(c.url);
    ASSERT_TRUE(res) << c.url << ": " << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200) << c.url;
    EXPECT_EQ(res->get_header_value("Content-Type"), c.type) << c.url;
    const Asset* asset = FindAsset(c.asset);
    ASSERT_NE(asset, nullptr) << c.asset;
    EXPECT_FALSE(asset->body.empty()) << c.asset;
    std::string expected(asset->body);
    if (size_t at = expected.find(kTokenPlaceholder); at != std::string::npos) {
      expected.replace(at, std::string_view(kTokenPlaceholder).size(), kToken);
    }
    EXPECT_EQ(res->body, expected) << c.url;
  }
}

TEST_F(ServerTest, UnknownPathsAre404) {
  for (const char* url : {"/missing.js", "/api/unknown", "/api/next", "/../etc/passwd"}) {
    httplib::Result res = client_->Get(url);
    ASSERT_TRUE(res) << url;
    EXPECT_EQ(res->status, 404) << url;
  }
  httplib::Result res = client_->Post("/api/unknown", "", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST_F(ServerTest, StateIsTheSnapshotAsUncachedJson) {
  httplib::Result res = client_->Get("/api/state");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  nlohmann::json state = nlohmann::json::parse(res->body);
  EXPECT_EQ(state["step"], "v1");
  EXPECT_EQ(state["rows"][0][1], "Alice Smith");
  EXPECT_EQ(state["rows"][1][1], "\xEF\xBF\xBD") << "invalid UTF-8 becomes U+FFFD";
}

TEST_F(ServerTest, EachActionCallsTheSessionAndAnswers202WithTheNewSnapshot) {
  int calls = 0;
  for (const char* action : {"next", "rollback", "naive", "reset"}) {
    httplib::Result res = client_->Post(std::string("/api/") + action, "", "application/json");
    ASSERT_TRUE(res) << action;
    EXPECT_EQ(res->status, 202) << action;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json; charset=utf-8");
    nlohmann::json state = nlohmann::json::parse(res->body);
    EXPECT_EQ(state["step"], action);
    EXPECT_EQ(state["calls"], ++calls);
  }
}

TEST_F(ServerTest, ConflictIs409WithTheSessionsMessage) {
  session_.set_answer(Conflict("the backfill step is still running; wait for it to finish"));
  httplib::Result res = client_->Post("/api/next", "", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 409);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json; charset=utf-8");
  nlohmann::json body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body["error"], "the backfill step is still running; wait for it to finish");
  EXPECT_EQ(nlohmann::json::parse(client_->Get("/api/state")->body)["calls"], 0)
      << "a refused action changes nothing";
}

TEST_F(ServerTest, OtherErrorsAre500WithTheMessage) {
  session_.set_answer(Status(Code::kDatabase, "relation \"users\" does not exist", "42P01"));
  httplib::Result res = client_->Post("/api/reset", "", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(nlohmann::json::parse(res->body)["error"],
            "relation \"users\" does not exist (SQLSTATE 42P01)");
}

// DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1
// reaches the port, but its requests name evil.example as Host.
TEST_F(ServerTest, AForeignHostIsRefusedForEveryRequest) {
  const std::string evil = "evil.example:" + std::to_string(server_->port());
  for (const char* url : {"/", "/api/state", "/app.js"}) {
    httplib::Result res = client_->Get(url, {{"Host", evil}});
    ASSERT_TRUE(res) << url;
    EXPECT_EQ(res->status, 403) << url;
  }
  for (const char* action : {"/api/next", "/api/reset"}) {
    httplib::Result res = client_->Post(action, {{"Host", evil}}, "", "application/json");
    ASSERT_TRUE(res) << action;
    EXPECT_EQ(res->status, 403) << action;
  }
  httplib::Result wrong_port = client_->Get("/api/state", {{"Host", "127.0.0.1:1"}});
  ASSERT_TRUE(wrong_port);
  EXPECT_EQ(wrong_port->status, 403);
  EXPECT_EQ(Calls(), 0);
  httplib::Result local =
      client_->Get("/api/state", {{"Host", "localhost:" + std::to_string(server_->port())}});
  ASSERT_TRUE(local);
  EXPECT_EQ(local->status, 200) << "localhost:PORT is the server's own name too";
}

// A cross-site form or fetch: the browser says where it comes from.
TEST_F(ServerTest, AForeignOriginCannotChangeTheLab) {
  const std::string port = std::to_string(server_->port());
  for (const std::string& origin : std::vector<std::string>{
           "http://evil.example", "null", "http://127.0.0.1:1", "https://127.0.0.1:" + port}) {
    httplib::Result res = client_->Post("/api/reset", {{"Origin", origin}}, "", "application/json");
    ASSERT_TRUE(res) << origin;
    EXPECT_EQ(res->status, 403) << origin;
  }
  EXPECT_EQ(Calls(), 0);
  for (const std::string& origin :
       std::vector<std::string>{"http://127.0.0.1:" + port, "http://localhost:" + port}) {
    httplib::Result res = client_->Post("/api/next", {{"Origin", origin}}, "", "application/json");
    ASSERT_TRUE(res) << origin;
    EXPECT_EQ(res->status, 202) << origin;
  }
}

TEST_F(ServerTest, StateChangesNeedTheRunsToken) {
  httplib::Client bare("127.0.0.1", server_->port());
  for (const char* action : {"/api/next", "/api/rollback", "/api/naive", "/api/reset"}) {
    httplib::Result res = bare.Post(action, "", "application/json");
    ASSERT_TRUE(res) << action;
    EXPECT_EQ(res->status, 403) << action;
    EXPECT_NE(res->body.find(kTokenHeader), std::string::npos) << res->body;
    res = bare.Post(action, {{kTokenHeader, "guess"}}, "", "application/json");
    ASSERT_TRUE(res) << action;
    EXPECT_EQ(res->status, 403) << action;
  }
  EXPECT_EQ(Calls(), 0);
  EXPECT_EQ(bare.Get("/api/state")->status, 200) << "reading needs no token";
}

// The page the server serves carries the token, so its buttons work.
TEST_F(ServerTest, ThePageCarriesTheToken) {
  for (const char* url : {"/", "/index.html"}) {
    httplib::Result res = client_->Get(url);
    ASSERT_TRUE(res) << url;
    EXPECT_NE(res->body.find(std::string("content=\"") + kToken + "\""), std::string::npos) << url;
    EXPECT_EQ(res->body.find(kTokenPlaceholder), std::string::npos) << url;
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store") << url;
  }
  const Asset* app = FindAsset("/app.js");
  ASSERT_NE(app, nullptr);
  EXPECT_NE(app->body.find(kTokenHeader), std::string::npos) << "app.js sends the token";
}

// Without a given token each run draws its own, readable only from the page.
TEST(ServerTokenTest, EachRunDrawsARandomToken) {
  ScriptedSession session;
  std::string tokens[2];
  for (std::string& token : tokens) {
    RunningServer server(session, "");
    ASSERT_GT(server.port(), 0);
    httplib::Client client("127.0.0.1", server.port());
    std::string page = client.Get("/")->body;
    const std::string key = "name=\"zeroshift-lab-token\" content=\"";
    size_t at = page.find(key);
    ASSERT_NE(at, std::string::npos);
    token = page.substr(at + key.size(), page.find('"', at + key.size()) - at - key.size());
    EXPECT_GE(token.size(), 32u);
    EXPECT_EQ(client.Post("/api/next", {{kTokenHeader, ""}}, "", "application/json")->status, 403);
    EXPECT_EQ(client.Post("/api/next", {{kTokenHeader, token}}, "", "application/json")->status,
              202);
  }
  EXPECT_NE(tokens[0], tokens[1]);
}

// The first IPv4 address of this machine that is not loopback, if any.
std::optional<std::string> NonLoopbackAddress() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return std::nullopt;
  std::optional<std::string> found;
  for (ifaddrs* a = list; a != nullptr && !found; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    in_addr addr = reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr;
    if ((ntohl(addr.s_addr) >> 24) == 127) continue;
    char text[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &addr, text, sizeof text) != nullptr) found = text;
  }
  freeifaddrs(list);
  return found;
}

TEST_F(ServerTest, ListensOnLoopbackOnly) {
  std::optional<std::string> address = NonLoopbackAddress();
  if (!address) GTEST_SKIP() << "this machine has no non-loopback IPv4 address to try";
  httplib::Client outside(*address, server_->port());
  outside.set_connection_timeout(2);
  httplib::Result res = outside.Get("/api/state");
  EXPECT_FALSE(res) << "the dashboard answered on " << *address;
  EXPECT_EQ(res.error(), httplib::Error::Connection);
}

TEST_F(ServerTest, StopServingMakesServeReturnOk) {
  Status status = server_->Stop();
  EXPECT_TRUE(status.ok()) << status.ToString();
  httplib::Client after("127.0.0.1", server_->port());
  after.set_connection_timeout(1);
  EXPECT_FALSE(after.Get("/api/state")) << "the port still answers after Serve returned";
}

TEST_F(ServerTest, SigtermMakesServeReturnOk) {
  ASSERT_EQ(std::raise(SIGTERM), 0);
  Status status = server_->Join();
  EXPECT_TRUE(status.ok()) << status.ToString();
}

// The real lab behind the server: the page's JSON and one step taken over HTTP.
TEST(ServerLabTest, ServesARealSessionAndTakesAStepOnPost) {
  Result<std::unique_ptr<Session>> session = Session::Create(
      {.postgres_url = testing::SharedCluster().Url(),
       .rows = 1000,
       .clients = 1,
       .rate = 50,
       .migration_file = std::string(zs::testing::SourceDir()) + "/examples/02_split_name.yaml"});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  RunningServer server(**session);
  ASSERT_GT(server.port(), 0);
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(10);
  client.set_default_headers({{kTokenHeader, kToken}});

  auto state = [&client] {
    httplib::Result res = client.Get("/api/state");
    EXPECT_TRUE(res && res->status == 200);
    return res ? nlohmann::json::parse(res->body) : nlohmann::json::object();
  };
  nlohmann::json s = state();
  EXPECT_EQ(s["step"], "v1");
  EXPECT_FALSE(s["busy"].get<bool>());
  EXPECT_EQ(s["steps"].size(), 5u);

  httplib::Result res = client.Post("/api/next", "", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202) << res->body;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!(s["step"] == "expand" && !s["busy"].get<bool>()) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    s = state();
  }
  EXPECT_EQ(s["step"], "expand") << s.dump();
  EXPECT_EQ(s["steps"][0]["state"], "done");
  EXPECT_TRUE(s["error"].is_null()) << s["error"];
}

TEST(ServerBindTest, PortInUseIsAnIoErrorNamingThePort) {
  ScriptedSession session;
  RunningServer first(session);
  ASSERT_GT(first.port(), 0);
  ServeOptions options;
  options.port = first.port();
  options.on_listening = [](int) {
    ADD_FAILURE() << "listened on a port already in use";
    StopServing();
  };
  Status status = Serve(session, options);
  EXPECT_EQ(status.code(), Code::kIo);
  EXPECT_NE(status.message().find("127.0.0.1:" + std::to_string(first.port())), std::string::npos)
      << status.message();
}

}  // namespace
}  // namespace zs::lab
