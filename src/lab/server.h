// The lab's dashboard: a web page served by the zeroshift binary itself (its
// HTML, CSS and JavaScript are embedded at build time) on 127.0.0.1, with a
// small JSON API over a lab::Session.
//   GET  /                 the page          GET /api/state  Session::Snapshot()
//   POST /api/next         Session::Next()   POST /api/rollback, /api/naive, /api/reset
// Every request must name the server itself as Host (127.0.0.1:PORT or
// localhost:PORT), so a DNS-rebinding page cannot reach it under another
// name; a POST must carry no Origin but the server's own and the run's token
// (header X-Zeroshift-Lab-Token), which only the served page knows: it is
// written into index.html, where no other site can read it.
#pragma once

#include <functional>
#include <string>

#include "core/status.h"
#include "lab/session.h"

namespace zs::lab {

struct ServeOptions {
  std::string host = "127.0.0.1";  // loopback only, never a public interface
  int port = 8484;                 // 0: any free port (reported to on_listening)
  // The per-run token of state-changing requests; "" draws a random one.
  std::string token;
  // Called once the socket listens, with the bound port.
  std::function<void(int port)> on_listening;
};

// Serves until SIGINT/SIGTERM (or StopServing()); returns kIo when the port
// cannot be bound.
Status Serve(Session& session, const ServeOptions& options);

// The header that carries the token, and the placeholder in index.html that
// the server replaces with it.
inline constexpr const char* kTokenHeader = "X-Zeroshift-Lab-Token";
inline constexpr const char* kTokenPlaceholder = "{{ZEROSHIFT_LAB_TOKEN}}";

// Asks a running Serve() to return (for tests and signal handlers).
void StopServing();

}  // namespace zs::lab
