#include "state/state_store.h"

#include <fmt/format.h>

#include <algorithm>

#include "backend/mariadb_backend.h"
#include "backend/postgres_backend.h"
#include "state/mariadb_state_store.h"
#include "state/postgres_state_store.h"

namespace zs::state {

Result<bool> StateStore::SchemaLockHeldElsewhere(const std::string& schema) {
  ZS_ASSIGN_OR_RETURN(std::optional<LockHolder> holder, SchemaLockHolder(schema));
  return holder.has_value();
}

std::unique_ptr<StateStore> OpenStateStore(backend::Session& session) {
  switch (session.backend().kind()) {
    case backend::Kind::kPostgres:
      return std::make_unique<PostgresStateStore>(backend::PostgresConnection(session));
    case backend::Kind::kMariadb:
      return std::make_unique<MariadbStateStore>(session);
  }
  return nullptr;  // unreachable: every Kind is handled above
}

std::string RangeCursorName(const std::string& base, int index, int count) {
  return fmt::format("{} range {}/{}", base, index, count);
}

bool IsRangeOf(const BackfillCursor& cursor, const std::string& base) {
  std::string prefix = base + " range ";
  return cursor.table.size() > prefix.size() && cursor.table.compare(0, prefix.size(), prefix) == 0;
}

void AggregateRanges(std::vector<BackfillCursor>& cursors) {
  for (auto& total : cursors) {
    if (total.table.find(" range ") != std::string::npos) continue;  // a range itself
    bool any = false;
    bool finished = true;
    BackfillCursor sum = total;
    sum.rows_done = sum.batch_rows = sum.run_rows_start = sum.throttled_batches = 0;
    sum.run_seconds = 0;
    for (const auto& range : cursors) {
      if (!IsRangeOf(range, total.table)) continue;
      any = true;
      finished = finished && range.finished;
      sum.rows_done += range.rows_done;
      sum.batch_rows += range.finished ? 0 : range.batch_rows;
      sum.run_rows_start += range.run_rows_start;
      sum.throttled_batches += range.throttled_batches;
      sum.run_seconds = std::max(sum.run_seconds, range.run_seconds);
      if (sum.throttle_reason.empty()) sum.throttle_reason = range.throttle_reason;
      if (sum.interrupted_by.empty()) sum.interrupted_by = range.interrupted_by;
      if (range.updated_at > sum.updated_at) sum.updated_at = range.updated_at;
    }
    if (!any) continue;
    sum.finished = finished;
    sum.last_key_json.reset();
    total = std::move(sum);
  }
}

}  // namespace zs::state
