// Where the batch loop keeps its cursor and reads its control row: the three
// methods of state::StateStore it uses, so that the loop depends on nothing
// else of the state store. Production passes the state store
// (StateCursorStore); a test on a database whose state store is not written
// yet passes its own table.
//
// The contract that makes a backfill resumable: SaveCursor writes through the
// same session (connection) as the batches, so that a cursor saved while a
// batch's transaction is open commits or rolls back with that batch.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backfill/batch_backend.h"
#include "core/status.h"
#include "state/state_store.h"

namespace zs::backfill {

// The saved cursor (a JSON array of texts and NULLs) as a batch's cursor,
// and back (backfill.cc).
BatchCursor ParseCursor(const std::optional<std::string>& last_key_json);
std::string CursorJson(const BatchCursor& cursor);

class CursorStore {
 public:
  virtual ~CursorStore() = default;

  // Every cursor of the migration (one per table and touched column).
  virtual Result<std::vector<state::BackfillCursor>> Cursors(const std::string& schema,
                                                             const std::string& migration) = 0;
  // Inserts or updates `cursor` (by cursor.table); `new_run` marks the first
  // save of a run (the store resets the run's start time).
  virtual Status SaveCursor(const std::string& schema, const std::string& migration,
                            const state::BackfillCursor& cursor, bool new_run) = 0;
  // The control row set from another shell (pause, retune).
  virtual Result<state::BackfillControl> Control(const std::string& schema,
                                                 const std::string& migration) = 0;
};

// The state store's cursors and control row.
class StateCursorStore final : public CursorStore {
 public:
  explicit StateCursorStore(state::StateStore& state) : state_(state) {}

  Result<std::vector<state::BackfillCursor>> Cursors(const std::string& schema,
                                                     const std::string& migration) override {
    return state_.Cursors(schema, migration);
  }
  Status SaveCursor(const std::string& schema, const std::string& migration,
                    const state::BackfillCursor& cursor, bool new_run) override {
    return state_.SaveCursor(schema, migration, cursor, new_run);
  }
  Result<state::BackfillControl> Control(const std::string& schema,
                                         const std::string& migration) override {
    return state_.Control(schema, migration);
  }

 private:
  state::StateStore& state_;
};

}  // namespace zs::backfill
