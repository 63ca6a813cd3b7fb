// For the tests of the interactive lab's session (lab_test.cc,
// mariadb_session_test.cc): waiting on its snapshots and reading them.
// Test-only.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <thread>

#include "lab/session.h"

namespace zs::lab::test_util {

// Polls `session` until `done` holds for its snapshot (or `seconds` pass,
// a failure); the last snapshot.
inline nlohmann::json WaitFor(const Session& session,
                              const std::function<bool(const nlohmann::json&)>& done,
                              double seconds = 30) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  nlohmann::json snapshot = session.Snapshot();
  while (!done(snapshot) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    snapshot = session.Snapshot();
  }
  EXPECT_TRUE(done(snapshot)) << snapshot.dump(1);
  return snapshot;
}

// The columns of the lab's table in `snapshot`.
inline std::set<std::string> Columns(const nlohmann::json& snapshot) {
  std::set<std::string> out;
  for (const auto& c : snapshot["columns"]) out.insert(c.get<std::string>());
  return out;
}

// The session is at `step` and not busy.
inline std::function<bool(const nlohmann::json&)> IdleAt(const std::string& step) {
  return [step](const nlohmann::json& s) { return !s["busy"].get<bool>() && s["step"] == step; };
}

}  // namespace zs::lab::test_util
