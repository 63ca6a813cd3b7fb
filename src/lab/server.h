// The lab's dashboard: a web page served by the zeroshift binary itself (its
// HTML, CSS and JavaScript are embedded at build time) on 127.0.0.1, with a
// small JSON API over a lab::Session.
//   GET  /                 the page          GET /api/state  Session::Snapshot()
//   POST /api/next         Session::Next()   POST /api/rollback, /api/naive, /api/reset
#pragma once

#include <functional>
#include <string>

#include "core/status.h"
#include "lab/session.h"

namespace zs::lab {

struct ServeOptions {
  std::string host = "127.0.0.1";  // loopback only, never a public interface
  int port = 8484;                 // 0: any free port (reported to on_listening)
  // Called once the socket listens, with the bound port.
  std::function<void(int port)> on_listening;
};

// Serves until SIGINT/SIGTERM (or StopServing()); returns kIo when the port
// cannot be bound.
Status Serve(Session& session, const ServeOptions& options);

// Asks a running Serve() to return (for tests and signal handlers).
void StopServing();

}  // namespace zs::lab
