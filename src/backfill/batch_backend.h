// The backfill's seam: what differs between databases when a table is
// rewritten in batches. The batch loop (backfill.cc: adaptive sizing, pause,
// resume and retune, events, interrupts, retries, the cursor saved with each
// batch) is shared; each database answers four questions through this
// interface:
//   - which key the table is walked by, and the statement of one batch that
//     walks the next range of keys and rewrites it (TableBatches);
//   - how a batch's transaction is opened and bounded (lock waits, statement
//     time), so that the cursor saved inside it commits with the batch;
//   - the pressure probes (lock waiters, long transactions, replica lag);
//   - the row estimate, for progress.
//
// PostgreSQL (postgres_batch.h): keyset or ctid walks (batch_query.h,
// table_walk.h), each batch one statement that computes `up` and sets the
// dual-write marker while the trigger steps aside (postgres_step_aside.h), or
// sets the marker alone so that the trigger computes `up`; probes from pg_locks, pg_stat_activity
// and pg_stat_replication. MariaDB (mariadb_batch.h): a keyset walk on the primary key or a unique
// NOT NULL index, the upper key bound selected first, then one UPDATE of the range that computes
// `up` itself; probes from PROCESSLIST, INNODB_TRX and the replicas' SHOW ALL REPLICAS STATUS.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backfill/throttle.h"
#include "core/status.h"
#include "triggers/dual_write.h"

namespace zs::backfill {

// The cursor one batch hands to the next: the last key of the batch, each
// value as text (NULL only where a walk says so). Empty: the start of the table.
using BatchCursor = std::vector<std::optional<std::string>>;

// What one batch did.
struct BatchOutcome {
  long long rows_touched = 0;
  bool done = false;   // nothing is left after this batch
  BatchCursor cursor;  // for the next batch; meaningful only when !done
};

// What to backfill on one table.
struct TableRequest {
  std::string schema;
  std::string table;  // physical name
  // PostgreSQL: the column a batch sets to itself when the table has no
  // marker column (the trigger then computes `up`).
  std::string touch_column;
  // The table's `up` expressions (triggers::Direction::kUp), in operation
  // order (other tables' and `down` specs may be among them: each backend
  // picks its own). MariaDB's batch always computes `up` in its statement;
  // PostgreSQL's does where the dual-write trigger can step aside
  // (postgres_step_aside.h), else its trigger computes them.
  std::vector<triggers::TriggerSpec> up;
  // The last key of the range these batches walk (inclusive), for one range
  // of a parallel backfill (workers.h; keyset walks only); empty:
  // to the end of the table, rows inserted meanwhile included.
  BatchCursor range_end;
};

// How long a batch may wait and run.
struct BatchBounds {
  std::chrono::milliseconds lock_timeout{500};
  std::chrono::milliseconds statement_timeout{30000};
  // The table's own UPDATE triggers may fire for every row the batches touch.
  bool fire_user_triggers = false;
};

// The batches of one table on one session. Begin, Next, then SaveCursor
// through the same session (backfill/cursor_store.h), then Commit; Rollback
// after any failure. Next never commits.
class TableBatches {
 public:
  virtual ~TableBatches() = default;

  // For progress lines: "keyset on primary key (id)", "ctid page ranges".
  virtual std::string Describe() const = 0;

  // Once, before the first batch of a run: fails (naming them and what to
  // do) when the batches would fire the table's own triggers and the bounds
  // do not allow it.
  virtual Status CheckUserTriggers() = 0;

  // Opens one batch's transaction, with its lock and statement bounds.
  virtual Status Begin() = 0;
  // Inside that transaction: walks the `rows` keys after `cursor` and
  // rewrites them.
  virtual Result<BatchOutcome> Next(const BatchCursor& cursor, long long rows) = 0;
  virtual Status Commit() = 0;
  // Ends the transaction without its changes; best effort (the connection
  // may be gone).
  virtual void Rollback() = 0;
};

// A table's keys cut for a parallel backfill (workers.h).
struct KeySplits {
  // Strictly increasing, each after the cursor they were read after; fewer
  // than asked (or none) when the table has too few rows.
  std::vector<BatchCursor> keys;
  // Why the table's walk cannot be split at all ("a ctid walk ... is not
  // split"); "" when it can.
  std::string unsplittable;
};

class BatchBackend {
 public:
  virtual ~BatchBackend() = default;

  // The database spoken to: which errors are worth a retry (Classify),
  // quoting for messages.
  virtual const backend::Backend& backend() const = 0;

  // Chooses the walk of request.table; fails naming the table and what to
  // add when it cannot be walked.
  virtual Result<std::unique_ptr<TableBatches>> Prepare(const TableRequest& request,
                                                        const BatchBounds& bounds) = 0;

  // The table's rows, for progress; -1 when unknown.
  virtual Result<long long> EstimateRows(const std::string& schema, const std::string& table) = 0;

  // One sample of the pressure the backfill of schema.table should yield
  // to. Runs between batches (no transaction open).
  virtual Result<PressureSample> ProbePressure(const std::string& schema, const std::string& table,
                                               const PressureThresholds& thresholds) = 0;

  // The backfill's other sessions (the parallel workers', by server pid),
  // which the probe must not count as clients working. Backends that do not
  // count clients ignore it.
  virtual void ExcludeSessions(const std::vector<long long>& /*pids*/) {}

  // Parallel backfill (workers.h), what differs by database:
  // Up to `ranges` - 1 split keys of schema.table's walk after `after`
  // (empty: from the table's first key), read from the key's index, never by
  // a full scan; `rows_estimate` is the rows left after `after`.
  virtual Result<KeySplits> SplitKeys(const std::string& schema, const std::string& table,
                                      const BatchCursor& after, int ranges,
                                      long long rows_estimate) = 0;
  // The server's id of a worker's `session` (of this backend), as
  // ExcludeSessions takes it.
  virtual Result<long long> SessionId(backend::Session& session) = 0;
  // One statement on the backfill's own session, outside any batch: the
  // transaction (BEGIN, COMMIT, ROLLBACK) that saves a table's ranges at once.
  virtual Status Run(const std::string& statement) = 0;
};

// Where the pressure probes look besides the session's own server.
struct ProbeTargets {
  // MariaDB: replica lag is known only on each replica (SHOW ALL REPLICAS
  // STATUS), so the replicas are named by URL. PostgreSQL reads its
  // standbys from pg_stat_replication on the primary and ignores these.
  std::vector<std::string> replica_urls;
};

// The implementation for the session's backend. The session must outlive it.
std::unique_ptr<BatchBackend> BatchBackendFor(backend::Session& session,
                                              const ProbeTargets& targets = {});

}  // namespace zs::backfill
