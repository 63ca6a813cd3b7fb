#include "ops/action.h"

namespace zs::ops {

std::string_view LockName(Lock lock) {
  switch (lock) {
    case Lock::kNone:
      return "none";
    case Lock::kAccessShare:
      return "ACCESS SHARE";
    case Lock::kRowShare:
      return "ROW SHARE";
    case Lock::kRowExclusive:
      return "ROW EXCLUSIVE";
    case Lock::kShareUpdateExclusive:
      return "SHARE UPDATE EXCLUSIVE";
    case Lock::kShare:
      return "SHARE";
    case Lock::kShareRowExclusive:
      return "SHARE ROW EXCLUSIVE";
    case Lock::kExclusive:
      return "EXCLUSIVE";
    case Lock::kAccessExclusive:
      return "ACCESS EXCLUSIVE";
  }
  return "unknown";
}

std::string FormatActions(const std::vector<Action>& actions) {
  std::string out;
  for (const auto& action : actions) {
    out += "-- " + action.id;
    if (action.lock != Lock::kNone) {
      out += "  [" + std::string(LockName(action.lock));
      if (!action.table.empty()) out += " on " + action.table;
      out += "]";
    }
    if (!action.transactional) out += "  [outside transaction]";
    out += "\n" + action.sql + "\n";
  }
  return out;
}

}  // namespace zs::ops
