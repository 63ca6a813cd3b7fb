#include "ops/action.h"

#include "ops/names.h"

#include <fmt/format.h>

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

std::string MariadbLockText(MariadbLock lock) {
  switch (lock) {
    case MariadbLock::kBrief:
      return "metadata lock (exclusive, brief)";
    case MariadbLock::kOnline:
      return "metadata lock (exclusive, brief, at start and end; writes go on meanwhile)";
    case MariadbLock::kReads:
      return "metadata lock (shared; reads only)";
    case MariadbLock::kUnknown:
      return "metadata lock (whatever the statement takes; assume exclusive)";
  }
  return "unknown";
}

Action MariadbAction(std::string id, std::string sql, const std::string& table, MariadbLock lock,
                     CompletePhase phase) {
  // `lock` orders actions (the planner keeps the strongest of a group) and
  // says whether there is one; `lock_text` is what is printed.
  Lock level = Lock::kAccessExclusive;
  if (lock == MariadbLock::kOnline) level = Lock::kShareUpdateExclusive;
  if (lock == MariadbLock::kReads) level = Lock::kAccessShare;
  return {.id = std::move(id),
          .sql = std::move(sql),
          .lock = level,
          .table = table,
          .transactional = false,
          .phase = phase,
          .lock_text = MariadbLockText(lock)};
}

std::string LockText(const Action& action) {
  return action.lock_text.empty() ? std::string(LockName(action.lock)) : action.lock_text;
}

std::string ClipIdentifier(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  // Back off continuation bytes (10xxxxxx) to the start of their character.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

std::string CommentText(std::string_view text) {
  std::string out;
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += ch;
    }
  }
  return out;
}

std::string FormatActions(const std::vector<Action>& actions) {
  std::string out;
  for (const auto& action : actions) {
    out += "-- " + CommentText(action.id);
    if (action.lock != Lock::kNone) {
      out += "  [" + CommentText(LockText(action));
      if (!action.table.empty()) out += " on " + CommentText(action.table);
      out += "]";
    }
    if (!action.transactional) out += "  [outside transaction]";
    out += "\n" + action.sql + "\n";
  }
  return out;
}

// Not clipped: a column swap refuses a column whose temporary name would be
// longer than the backend's limit (Backend::MaxIdentifierBytes; clipped, two
// long columns would share one name).
std::string TemporaryColumnName(const std::string& column) { return "_zs_new_" + column; }

// Clipped where PostgreSQL would clip it (on a character boundary), so the
// name zeroshift computes again at complete or rollback is the stored one.
std::string NotNullCheckName(const std::string& column) {
  return ClipIdentifier("_zs_" + column + "_not_null");
}

}  // namespace zs::ops
