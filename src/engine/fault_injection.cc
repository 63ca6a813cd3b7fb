#include "engine/fault_injection.h"

#include <csignal>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

namespace zs::engine {

namespace {

struct Target {
  std::string command;  // "" when ZS_FAULT_AT is unset or malformed
  int boundary = 0;
};

Target ReadTarget() {
  const char* spec = std::getenv("ZS_FAULT_AT");
  if (spec == nullptr) return {};
  std::string text(spec);
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return {};
  try {
    return {text.substr(0, colon), std::stoi(text.substr(colon + 1))};
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace

void FaultPoint(std::string_view command) {
  static const Target target = ReadTarget();
  if (target.command.empty() || target.command != command) return;
  static std::mutex mutex;
  static std::map<std::string, int, std::less<>> counts;
  std::lock_guard lock(mutex);
  if (++counts[std::string(command)] == target.boundary) std::raise(SIGKILL);
}

}  // namespace zs::engine
