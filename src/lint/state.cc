#include "lint/state.h"

namespace zs::lint {

std::string_view LockModeName(LockMode mode) {
  switch (mode) {
    case LockMode::kNone:
      return "no lock";
    case LockMode::kAccessShare:
      return "ACCESS SHARE";
    case LockMode::kRowShare:
      return "ROW SHARE";
    case LockMode::kRowExclusive:
      return "ROW EXCLUSIVE";
    case LockMode::kShareUpdateExclusive:
      return "SHARE UPDATE EXCLUSIVE";
    case LockMode::kShare:
      return "SHARE";
    case LockMode::kShareRowExclusive:
      return "SHARE ROW EXCLUSIVE";
    case LockMode::kExclusive:
      return "EXCLUSIVE";
    case LockMode::kAccessExclusive:
      return "ACCESS EXCLUSIVE";
  }
  return "ACCESS EXCLUSIVE";
}

std::optional<int64_t> LintState::EffectiveLockTimeout() const {
  if (file.txn.open && file.txn.lock_timeout_ms) return file.txn.lock_timeout_ms;
  return file.lock_timeout_ms;
}

std::optional<int64_t> LintState::EffectiveStatementTimeout() const {
  if (file.txn.open && file.txn.statement_timeout_ms) return file.txn.statement_timeout_ms;
  return file.statement_timeout_ms;
}

}  // namespace zs::lint
