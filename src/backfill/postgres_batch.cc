#include "backfill/postgres_batch.h"

#include <fmt/format.h>

#include <algorithm>

#include "backend/postgres_backend.h"
#include "backfill/batch_query.h"
#include "backfill/postgres_standby_names.h"
#include "backfill/postgres_step_aside.h"
#include "backfill/workers.h"
#include "pg/quote.h"
#include "triggers/dual_write.h"
#include "triggers/postgres_dual_write_origin.h"
#include "triggers/postgres_dual_write_step_aside.h"

namespace zs::backfill {

namespace {

// Enabled user triggers that an UPDATE setting only the marker column fires:
// UPDATE triggers (tgtype bit 4) without a column list, on the table or any
// of its partitions. tgenabled: O fires normally, A always, R only in
// replica mode, D never.
constexpr char kUserTriggersQuery[] = R"sql(
SELECT format('%I on %s', t.tgname, t.tgrelid::regclass), t.tgenabled::text
FROM pg_trigger t
WHERE t.tgrelid IN (SELECT relid FROM pg_partition_tree($1::regclass) UNION SELECT $1::regclass)
  AND NOT t.tgisinternal AND t.tgenabled <> 'D' AND (t.tgtype & 16) <> 0
  AND cardinality(t.tgattr::int2[]) = 0 AND t.tgname <> $2 AND t.tgname <> $3
ORDER BY 1)sql";

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// Each heap of the relation (itself, or its leaf partitions): the planner's
// row count (-1 when never vacuumed or analysed) and its size in pages now.
constexpr char kHeapStatsQuery[] = R"sql(
SELECT c.oid::regclass::text, c.reltuples::float8,
       (pg_relation_size(c.oid) / current_setting('block_size')::bigint)::bigint
FROM pg_class c
WHERE c.relkind IN ('r', 'm') AND (c.oid = to_regclass($1) OR c.oid IN
      (SELECT relid FROM pg_partition_tree(to_regclass($1)) WHERE isleaf)))sql";

// A heap the statistics know nothing of: its first kSampleRows rows are
// read; fewer means they are all of it, else their density over the pages
// they span gives the estimate for the heap's size.
constexpr long long kSampleRows = 10000;

Result<long long> EstimateUnanalysedHeap(pg::Connection& conn, const std::string& heap,
                                         long long pages) {
  if (pages == 0) return 0LL;
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn.Exec(fmt::format("SELECT count(*), coalesce(max((ctid::text::point)[0]), 0)::bigint + 1 "
                            "FROM (SELECT ctid FROM ONLY {} LIMIT {}) s",
                            heap, kSampleRows)));
  long long sampled = rows.GetInt(0, 0);
  long long spanned = rows.GetInt(0, 1);
  if (sampled < kSampleRows) return sampled;
  double per_page = static_cast<double>(sampled) / static_cast<double>(std::max(1LL, spanned));
  return std::max(sampled, static_cast<long long>(per_page * static_cast<double>(pages)));
}

// The oldest long transaction's session, for the message that names it: the
// sessions ProbePressure counts, oldest first.
Result<std::optional<BlockingSession>> OldestTransaction(pg::Connection& conn,
                                                         const PressureThresholds& thresholds) {
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn.ExecParams(
          std::string("SELECT pid, coalesce(usename::text, ''), coalesce(application_name, ''), "
                      "coalesce(host(client_addr), 'local'), coalesce(state, ''), "
                      "(extract(epoch FROM now() - xact_start) * 1000)::float8, "
                      "left(regexp_replace(coalesce(query, ''), '\\s+', ' ', 'g'), 100) "
                      "FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                      "AND datname = current_database() AND backend_type = 'client backend' "
                      "AND state <> 'idle' AND $1::bigint > 0 "
                      "AND xact_start < now() - $1::bigint * interval '1 millisecond' "
                      "ORDER BY xact_start LIMIT 1"),
          {std::to_string(thresholds.max_xact_age.count())}));
  if (rows.empty()) return std::optional<BlockingSession>();
  return std::optional<BlockingSession>(BlockingSession{.pid = rows.GetInt(0, 0),
                                                        .user = rows.Get(0, 1),
                                                        .application_name = rows.Get(0, 2),
                                                        .client = rows.Get(0, 3),
                                                        .state = rows.Get(0, 4),
                                                        .xact_age_ms = std::stod(rows.Get(0, 5)),
                                                        .query = rows.Get(0, 6)});
}

}  // namespace

Result<UserTriggerPlan> PlanUserTriggers(pg::Connection& conn, const std::string& schema,
                                         const std::string& table, bool fire_user_triggers) {
  std::string relation = pg::QualifiedName(schema, table);
  // zeroshift's own trigger is known by name; a user's trigger named like
  // ours (`_zs_audit`) is still the user's and counts.
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn.ExecParams(kUserTriggersQuery, {relation, triggers::TableTriggerName(schema, table),
                                           triggers::OriginTriggerName(schema, table)}));
  std::vector<std::string> normal, always;
  for (int i = 0; i < rows.size(); ++i) {
    (rows.Get(i, 1) == "O" ? normal : always).push_back(rows.Get(i, 0));
  }
  UserTriggerPlan plan;
  if (normal.empty() && always.empty()) return plan;
  if (fire_user_triggers) return plan;
  // Replica mode silences ordinary triggers; ENABLE ALWAYS / REPLICA ones
  // still fire, and nothing but the opt-in lets them.
  if (!always.empty()) {
    return InvalidInput(fmt::format(
        "table {} has triggers enabled ALWAYS or REPLICA ({}) that would fire for every row the "
        "backfill touches; pass --backfill-fires-user-triggers to let them, or disable them for "
        "the migration",
        relation, JoinNames(always)));
  }
  // SET LOCAL in a transaction that is rolled back: changes nothing.
  ZS_RETURN_IF_ERROR(conn.Run("BEGIN"));
  Status can_set = conn.Run("SET LOCAL session_replication_role = replica");
  ZS_RETURN_IF_ERROR(conn.Run("ROLLBACK"));
  // In replica mode zeroshift's own trigger must still fire, on every
  // partition: a relation where it exists but is not ENABLE REPLICA (or ALWAYS,
  // as before the origin-mode trigger) would be
  // marked without `up` running. (Before start installs it, nothing to check.)
  if (can_set.ok()) {
    ZS_ASSIGN_OR_RETURN(
        pg::Rows not_always,
        conn.ExecParams("SELECT t.tgrelid::regclass::text FROM pg_trigger t WHERE t.tgrelid IN "
                        "(SELECT relid FROM pg_partition_tree($1::regclass) UNION SELECT "
                        "$1::regclass) AND t.tgname = $2 AND t.tgenabled NOT IN ('A', 'R') LIMIT 1",
                        {relation, triggers::TableTriggerName(schema, table)}));
    if (!not_always.empty()) {
      can_set = Internal(fmt::format("zeroshift's trigger on {} is not ENABLE REPLICA or ALWAYS",
                                     not_always.Get(0, 0)));
    }
  }
  if (!can_set.ok()) {
    return InvalidInput(fmt::format(
        "table {} has user triggers ({}) that the backfill would fire for every row (a "
        "`updated_at` trigger would rewrite every timestamp), and this role may not set "
        "session_replication_role to keep them quiet ({}); run zeroshift as a superuser or "
        "GRANT SET ON PARAMETER session_replication_role to it, or pass "
        "--backfill-fires-user-triggers to let them fire",
        relation, JoinNames(normal), can_set.message()));
  }
  plan.replica = true;
  return plan;
}

Result<long long> EstimateTableRows(pg::Connection& conn, const std::string& relation) {
  ZS_ASSIGN_OR_RETURN(pg::Rows heaps, conn.ExecParams(kHeapStatsQuery, {relation}));
  if (heaps.empty()) return -1LL;
  long long total = 0;
  for (int i = 0; i < heaps.size(); ++i) {
    double reltuples = std::stod(heaps.Get(i, 1));
    if (reltuples >= 0) {
      total += static_cast<long long>(reltuples);
      continue;
    }
    ZS_ASSIGN_OR_RETURN(long long rows,
                        EstimateUnanalysedHeap(conn, heaps.Get(i, 0), heaps.GetInt(i, 2)));
    total += rows;
  }
  return total;
}

namespace {

// The pressure probe ($1 the qualified table, $2 --backfill-max-xact-age in
// ms). Each part is cheap to run: pg_locks filtered on one relation,
// pg_stat_activity of one database, pg_stat_replication (a handful of rows);
// but parsing and planning its views cost ~5x running it (bench/README.md §1,
// "fig1speed"), so the batch loop runs it as a prepared statement
// (PreparedProbe).
constexpr char kProbeSql[] =
    "SELECT "
    "(SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = to_regclass($1)), "
    "(SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
    "   AND datname = current_database() AND backend_type = 'client backend' "
    "   AND state <> 'idle' AND $2::bigint > 0 "
    "   AND xact_start < now() - $2::bigint * interval '1 millisecond'), "
    "(SELECT count(*) FROM pg_stat_replication), "
    "(SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0)::bigint "
    "   FROM pg_stat_replication), "
    "(SELECT coalesce(max(extract(epoch FROM replay_lag)) * 1000, 0)::float8 "
    "   FROM pg_stat_replication), "
    // Without pg_read_all_stats other roles' rows read as NULL (VisibilityNote).
    "(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "   AND usesysid IS NOT NULL AND state IS NULL "
    "   AND query = '<insufficient privilege>'), "
    "(SELECT count(*) FROM pg_stat_replication WHERE state IS NULL), "
    "quote_ident(current_user), "
    // Clients working now or within the last second (--backfill-nice-ratio):
    // an OLTP session between two transactions is idle most of the time.
    // Not ours: $3, the worker sessions; and the engine's expression resolver
    // (engine/resolve.cc), idle since the plan, which ran just before the
    // backfill. Hidden ones are counted above.
    "(SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
    "   AND pid <> ALL($3::int[]) AND datname = current_database() "
    "   AND backend_type = 'client backend' "
    "   AND application_name IS DISTINCT FROM 'zeroshift-resolve' "
    "   AND (state = 'active' OR state_change > now() - interval '1 second'))";

// The backfill's own sessions as the probe's third parameter: "{4242,4243}".
std::string ProbePidArray(const std::vector<long long>& pids) {
  std::string out;
  for (long long pid : pids) out += (out.empty() ? "" : ",") + std::to_string(pid);
  return "{" + out + "}";
}

// The session-level name of kProbeSql once prepared; versioned, so that a
// session prepared by another zeroshift (a pooled server connection) is never
// handed a different statement under this name.
constexpr char kProbeStatement[] = "zs_backfill_probe_v2";

Result<PressureSample> ReadPressure(pg::Connection& conn, const pg::Rows& rows,
                                    const PressureThresholds& thresholds) {
  PressureSample sample{.lock_waiters = rows.GetInt(0, 0),
                        .long_transactions = rows.GetInt(0, 1),
                        .standbys = rows.GetInt(0, 2),
                        .max_lag_bytes = rows.GetInt(0, 3),
                        .max_replay_lag_ms = std::stod(rows.Get(0, 4)),
                        .hidden_sessions = rows.GetInt(0, 5),
                        .hidden_standbys = rows.GetInt(0, 6),
                        .clients_working = rows.GetInt(0, 8),
                        .role = rows.Get(0, 7)};
  // A second round trip only under pressure: the user needs to know whom to end.
  if (sample.long_transactions > 0) {
    ZS_ASSIGN_OR_RETURN(sample.oldest_transaction, OldestTransaction(conn, thresholds));
  }
  ZS_RETURN_IF_ERROR(NamePostgresLaggingStandbys(conn, thresholds, sample));
  return sample;
}

// kProbeSql prepared once per session: each batch then only executes it.
class PreparedProbe {
 public:
  Result<PressureSample> Probe(pg::Connection& conn, const std::string& qualified_table,
                               const PressureThresholds& thresholds,
                               const std::vector<long long>& own_pids) {
    if (!prepared_) ZS_RETURN_IF_ERROR(Prepare(conn));
    std::string execute =
        fmt::format("EXECUTE {}({}, {}, {})", kProbeStatement, pg::QuoteLiteral(qualified_table),
                    thresholds.max_xact_age.count(), pg::QuoteLiteral(ProbePidArray(own_pids)));
    Result<pg::Rows> rows = conn.Exec(execute);
    // 26000: gone since (DEALLOCATE ALL, DISCARD ALL): prepared again, once.
    if (!rows.ok() && rows.status().sqlstate() == "26000") {
      ZS_RETURN_IF_ERROR(Prepare(conn));
      rows = conn.Exec(execute);
    }
    if (!rows.ok()) return rows.status();
    return ReadPressure(conn, *rows, thresholds);
  }

 private:
  // The session may have it already (an earlier run on this connection).
  Status Prepare(pg::Connection& conn) {
    ZS_ASSIGN_OR_RETURN(
        pg::Rows existing,
        conn.ExecParams("SELECT 1 FROM pg_prepared_statements WHERE name = $1", {kProbeStatement}));
    if (existing.empty()) {
      ZS_RETURN_IF_ERROR(conn.Run(
          fmt::format("PREPARE {}(text, bigint, int[]) AS {}", kProbeStatement, kProbeSql)));
    }
    prepared_ = true;
    return Status::Ok();
  }

  bool prepared_ = false;
};

}  // namespace

Result<PressureSample> ProbePressure(pg::Connection& conn, const std::string& qualified_table,
                                     const PressureThresholds& thresholds,
                                     const std::vector<long long>& own_pids) {
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn.ExecParams(kProbeSql, {qualified_table, std::to_string(thresholds.max_xact_age.count()),
                                  ProbePidArray(own_pids)}));
  return ReadPressure(conn, rows, thresholds);
}

namespace {

// The walk of batch_query.h: one statement per batch. It computes `up`
// itself while the dual-write trigger steps aside (postgres_step_aside.h), or
// else sets the marker (or the touch column) so that the trigger computes it.
class PostgresTableBatches final : public TableBatches {
 public:
  PostgresTableBatches(pg::Connection& conn, std::unique_ptr<BatchQuery> query,
                       TableRequest request, BatchBounds bounds)
      : conn_(conn), query_(std::move(query)), request_(std::move(request)), bounds_(bounds) {}

  std::string Describe() const override {
    if (step_aside_) return query_->Describe() + "; `up` computed in each batch";
    if (refusal_.empty()) return query_->Describe();
    return fmt::format("{}; `up` computed by the dual-write trigger: {}", query_->Describe(),
                       refusal_);
  }

  Status CheckUserTriggers() override {
    ZS_ASSIGN_OR_RETURN(
        UserTriggerPlan plan,
        PlanUserTriggers(conn_, request_.schema, request_.table, bounds_.fire_user_triggers));
    replica_ = plan.replica;
    return ChooseStepAside();
  }

  // synchronous_commit off: postgres_batch.h, "Commits". jit off: the
  // batch statement runs as a generic plan whose estimates (a third of the
  // table for `key > $1`) pass jit_above_cost on a big table, and compiling
  // it cost ~165 ms for a 100-row batch (EXPLAIN ANALYZE on 20 M rows,
  // 2026-12-07): the adaptive sizing then shrank the batches to their
  // minimum and the backfill fell from ~180 k to ~800 rows/s.
  Status Begin() override {
    bool replica = replica_ || step_aside_;
    return conn_.Run(
        fmt::format("BEGIN; SET LOCAL lock_timeout = '{}ms'; SET LOCAL statement_timeout = '{}ms'; "
                    "SET LOCAL synchronous_commit = off; SET LOCAL jit = off;{}{}",
                    bounds_.lock_timeout.count(), bounds_.statement_timeout.count(),
                    replica ? " SET LOCAL session_replication_role = replica;" : "",
                    step_aside_ ? " " + triggers::StepAsideSql() + ";" : ""));
  }

  Result<BatchOutcome> Next(const BatchCursor& cursor, long long rows) override {
    ZS_ASSIGN_OR_RETURN(pg::Rows result,
                        conn_.ExecParams(query_->Sql(rows, cursor.empty()), cursor));
    BatchOutcome outcome;
    // No row: the batch was empty, the walk is over.
    outcome.rows_touched = result.empty() ? 0 : result.GetInt(0, 0);
    outcome.done = result.empty() || result.GetBool(0, 1);
    // The walk's last batch commits durably (postgres_batch.h, "Commits"):
    // once it is, so is every batch before it, and the backfill is done.
    if (outcome.done) {
      ZS_RETURN_IF_ERROR(conn_.Run("SET LOCAL synchronous_commit = on"));
      return outcome;
    }
    for (int i = 0; i < query_->cursor_width(); ++i) {
      outcome.cursor.push_back(result.GetOptional(0, i + 2));
    }
    return outcome;
  }

  Status Commit() override { return conn_.Run("COMMIT"); }
  void Rollback() override { (void)conn_.Run("ROLLBACK"); }

 private:
  // Once per run: the batches compute `up` where postgres_step_aside.h's
  // conditions hold and PostgreSQL plans the statement; else the trigger does.
  Status ChooseStepAside() {
    std::vector<triggers::TriggerSpec> up = UpSpecsOf(request_.up, request_.schema, request_.table);
    ZS_ASSIGN_OR_RETURN(StepAsidePlan plan, PlanStepAside(conn_, request_.schema, request_.table,
                                                          up, bounds_.fire_user_triggers));
    refusal_ = plan.refusal;
    if (!plan.step_aside) return Status::Ok();
    schema::Table table;  // MakeBatchQuery reads only the relation's name
    table.physical_name = request_.table;
    ZS_ASSIGN_OR_RETURN(std::unique_ptr<BatchQuery> query,
                        MakeBatchQuery(conn_, request_.schema, table, request_.touch_column, up,
                                       request_.range_end));
    ZS_ASSIGN_OR_RETURN(std::string error, PlanError(conn_, query->Sql(1, /*first=*/true)));
    if (!error.empty()) {
      refusal_ = "PostgreSQL does not accept `up` in the batch's UPDATE (" + error + ")";
      return Status::Ok();
    }
    query_ = std::move(query);
    step_aside_ = true;
    return Status::Ok();
  }

  pg::Connection& conn_;
  std::unique_ptr<BatchQuery> query_;
  TableRequest request_;
  BatchBounds bounds_;
  bool replica_ = false;     // see UserTriggerPlan
  bool step_aside_ = false;  // see postgres_step_aside.h
  std::string refusal_;      // why the trigger computes `up`, when `up` was given
};

class PostgresBatchBackend final : public BatchBackend {
 public:
  explicit PostgresBatchBackend(pg::Connection& conn) : conn_(conn) {}

  const backend::Backend& backend() const override { return backend::Postgres(); }

  Result<std::unique_ptr<TableBatches>> Prepare(const TableRequest& request,
                                                const BatchBounds& bounds) override {
    schema::Table table;  // MakeBatchQuery reads only the relation's name
    table.physical_name = request.table;
    ZS_ASSIGN_OR_RETURN(
        std::unique_ptr<BatchQuery> query,
        MakeBatchQuery(conn_, request.schema, table, request.touch_column, {}, request.range_end));
    return std::unique_ptr<TableBatches>(
        std::make_unique<PostgresTableBatches>(conn_, std::move(query), request, bounds));
  }

  Result<long long> EstimateRows(const std::string& schema, const std::string& table) override {
    return EstimateTableRows(conn_, pg::QualifiedName(schema, table));
  }

  Result<PressureSample> ProbePressure(const std::string& schema, const std::string& table,
                                       const PressureThresholds& thresholds) override {
    return probe_.Probe(conn_, pg::QualifiedName(schema, table), thresholds, own_pids_);
  }

  void ExcludeSessions(const std::vector<long long>& pids) override { own_pids_ = pids; }

  // Parallel backfill: keyset walks only (workers.h's SplitKeys reads the
  // planner's histogram of the key, else ordered offsets on its index).
  Result<KeySplits> SplitKeys(const std::string& schema, const std::string& table,
                              const BatchCursor& after, int ranges,
                              long long rows_estimate) override {
    ZS_ASSIGN_OR_RETURN(TableWalk walk, PlanTableWalk(conn_, schema, table));
    if (!walk.keyset()) {
      return KeySplits{.unsplittable =
                           "a ctid walk (no primary key or unique NOT NULL index) is not split"};
    }
    ZS_ASSIGN_OR_RETURN(
        std::vector<BatchCursor> keys,
        backfill::SplitKeys(conn_, walk, schema, table, after, ranges, rows_estimate));
    return KeySplits{.keys = std::move(keys)};
  }

  Result<long long> SessionId(backend::Session& session) override {
    ZS_ASSIGN_OR_RETURN(pg::Rows pid,
                        backend::PostgresConnection(session).Exec("SELECT pg_backend_pid()"));
    return pid.GetInt(0, 0);
  }

  Status Run(const std::string& statement) override { return conn_.Run(statement); }

 private:
  pg::Connection& conn_;
  PreparedProbe probe_;
  std::vector<long long> own_pids_;  // the worker sessions (workers.cc)
};

}  // namespace

std::unique_ptr<BatchBackend> MakePostgresBatchBackend(pg::Connection& conn) {
  return std::make_unique<PostgresBatchBackend>(conn);
}

}  // namespace zs::backfill
