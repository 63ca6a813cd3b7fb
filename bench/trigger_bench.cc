// Figure 4: what the dual-write triggers cost a writer. The same table is
// measured before `zeroshift start` (no triggers) and after it (triggers
// installed, backfill done, VACUUM FULL so both start compact). Each UPDATE
// is measured twice: `SET name = name`, which rewrites every row without
// changing a value (the ordinary sessions' UPDATE trigger skips the function
// for it: postgres_dual_write.cc, UpdateSkipCondition), and `SET name =
// reverse(name)`, which changes the source column of every row it touches,
// so that the trigger computes both new columns: the dual write's own cost.
#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "bench/engine_run.h"
#include "bench/figures.h"
#include "bench/oltp.h"

namespace zs::bench {

namespace {

struct TriggerSetup {
  std::string url;
  long long rows = 0;
  int clients = 2;
  int rounds = 3;
  std::chrono::seconds round{10};
};

// Single-row write transactions, closed loop (each client sends its next
// transaction as soon as the previous one returns), measured directly with
// libpq: `rounds` rounds of `round` seconds; the median round counts.
Result<nlohmann::json> SingleRowRate(const TriggerSetup& setup, const std::string& sql) {
  std::vector<double> rates;
  for (int r = 0; r < setup.rounds; ++r) {
    OltpWorkload workload({.url = setup.url,
                           .clients = setup.clients,
                           .rate_per_client = 0,
                           .write_fraction = 1.0,
                           .max_id = setup.rows,
                           .write_sql = sql});
    ZS_RETURN_IF_ERROR(workload.Start());
    std::this_thread::sleep_for(setup.round);
    double seconds = workload.Stop();
    std::vector<PhaseStats> phases = workload.Collect();
    if (phases.empty()) return Internal("the write workload ran no transaction: " + sql);
    if (phases[0].errors > 0) {
      return Internal(fmt::format("{} of the write transactions failed ({}): {}", phases[0].errors,
                                  sql, phases[0].errors_by_message.begin()->first));
    }
    rates.push_back(phases[0].writes / seconds);
  }
  std::vector<double> sorted = rates;
  std::sort(sorted.begin(), sorted.end());
  return nlohmann::json{{"rounds_tps", rates}, {"median_tps", sorted[sorted.size() / 2]}};
}

// Back to exactly `rows` rows, compact, analyzed, WAL flushed.
Status Reset(pg::Connection& conn, long long rows) {
  ZS_RETURN_IF_ERROR(conn.Run(fmt::format("DELETE FROM users WHERE id > {}", rows)));
  ZS_RETURN_IF_ERROR(conn.Run("VACUUM (FULL, ANALYZE) users"));
  return Checkpoint(conn);
}

Result<double> BulkUpdateSeconds(pg::Connection& conn, const std::string& sql) {
  auto start = Clock::now();
  ZS_RETURN_IF_ERROR(conn.Run(sql));
  return SecondsSince(start);
}

constexpr const char* kUpdateSql = "UPDATE public.users SET name = name WHERE id = $1";
// reverse() twice gives the name back: the table's names stay of one shape.
constexpr const char* kChangeSql = "UPDATE public.users SET name = reverse(name) WHERE id = $1";
constexpr const char* kBulkSql = "UPDATE users SET name = name";
constexpr const char* kBulkChangeSql = "UPDATE users SET name = reverse(name)";
// $1 is only there to give every client the same call shape; the row is new.
constexpr const char* kInsertSql =
    "INSERT INTO public.users (name) VALUES ('Ada Lovelace' || $1::text)";

// One state of the table: single-row updates and inserts, then the bulk UPDATE.
Result<nlohmann::json> MeasureState(const TriggerSetup& setup, pg::Connection& conn,
                                    const std::string& label) {
  nlohmann::json out;
  Say(fmt::format("4. single-row UPDATE tx/s, {}", label));
  ZS_ASSIGN_OR_RETURN(out["single_row_update"], SingleRowRate(setup, kUpdateSql));
  Say(fmt::format("4. single-row UPDATE changing name tx/s, {}", label));
  ZS_ASSIGN_OR_RETURN(out["single_row_change"], SingleRowRate(setup, kChangeSql));
  Say(fmt::format("4. single-row INSERT tx/s, {}", label));
  ZS_ASSIGN_OR_RETURN(out["single_row_insert"], SingleRowRate(setup, kInsertSql));
  ZS_RETURN_IF_ERROR(Reset(conn, setup.rows));
  Say(fmt::format("4. bulk UPDATE of every row, {}", label));
  ZS_ASSIGN_OR_RETURN(double bulk, BulkUpdateSeconds(conn, kBulkSql));
  out["bulk_update_seconds"] = bulk;
  out["bulk_update_rows_per_second"] = setup.rows / bulk;
  ZS_RETURN_IF_ERROR(Reset(conn, setup.rows));
  Say(fmt::format("4. bulk UPDATE changing every name, {}", label));
  ZS_ASSIGN_OR_RETURN(double change, BulkUpdateSeconds(conn, kBulkChangeSql));
  out["bulk_change_seconds"] = change;
  out["bulk_change_rows_per_second"] = setup.rows / change;
  return out;
}

Status MeasureTriggerCost(const Config& config, Databases& databases, FigureResult& out) {
  TriggerSetup setup{.rows = config.quick ? 100'000 : 1'000'000,
                     .rounds = config.quick ? 2 : 3,
                     .round = std::chrono::seconds(config.quick ? 3 : 10)};
  ZS_ASSIGN_OR_RETURN(migration::Migration migration, LoadSplitName(config));
  ZS_ASSIGN_OR_RETURN(setup.url, databases.Fresh("bench_triggers"));
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(setup.url));
  Say(fmt::format("4. loading {} rows", Thousands(setup.rows)));
  ZS_ASSIGN_OR_RETURN(double load_seconds, LoadUsers(conn, setup.rows));
  ZS_RETURN_IF_ERROR(Checkpoint(conn));
  out.data["rows"] = setup.rows;
  out.data["load_seconds"] = load_seconds;
  out.data["method"] = fmt::format(
      "measured directly with libpq (no Google Benchmark): {} client connections, closed loop, "
      "{} rounds of {} s per workload, median round; statements: `{}` (random id, no value "
      "changes), "
      "`{}` (random id, changes the name) and `{}`; bulk: `{}` (no value changes) and `{}` (every "
      "name changes) on exactly {} rows after DELETE of inserted rows, VACUUM (FULL, ANALYZE) "
      "and CHECKPOINT",
      setup.clients, setup.rounds, setup.round.count(), kUpdateSql, kChangeSql, kInsertSql,
      kBulkSql, kBulkChangeSql, setup.rows);

  ZS_ASSIGN_OR_RETURN(out.data["without_triggers"], MeasureState(setup, conn, "no triggers"));
  ZS_RETURN_IF_ERROR(Reset(conn, setup.rows));
  Say("4. zeroshift start (installs the dual-write triggers, backfills)");
  ZS_ASSIGN_OR_RETURN(backfill::Options defaults, CliBackfillOptions(""));
  ZS_ASSIGN_OR_RETURN(auto engine, TimedEngine::Connect(setup.url, std::move(defaults)));
  ZS_RETURN_IF_ERROR(engine->Init());
  ZS_ASSIGN_OR_RETURN(StartRun run, engine->Start(migration));
  ZS_RETURN_IF_ERROR(Reset(conn, setup.rows));
  ZS_ASSIGN_OR_RETURN(pg::Rows triggers,
                      conn.Exec("SELECT string_agg(tgname, ', ' ORDER BY tgname) FROM pg_trigger "
                                "WHERE tgrelid = 'public.users'::regclass AND NOT tgisinternal"));
  out.data["triggers"] = triggers.Get(0, 0);
  out.data["start_seconds"] = run.start_seconds;
  ZS_ASSIGN_OR_RETURN(out.data["with_triggers"], MeasureState(setup, conn, "with triggers"));
  ZS_ASSIGN_OR_RETURN(long long wrong, CountSplitMismatches(conn));
  if (wrong != 0) {
    return Internal(fmt::format(
        "{} rows have first_name/last_name different from split_part(name) after the bulk "
        "UPDATE with triggers, so the triggers did not run as measured",
        wrong));
  }

  const nlohmann::json& without = out.data["without_triggers"];
  const nlohmann::json& with = out.data["with_triggers"];
  double update_ratio = with["single_row_update"]["median_tps"].get<double>() /
                        without["single_row_update"]["median_tps"].get<double>();
  double insert_ratio = with["single_row_insert"]["median_tps"].get<double>() /
                        without["single_row_insert"]["median_tps"].get<double>();
  double change_ratio = with["single_row_change"]["median_tps"].get<double>() /
                        without["single_row_change"]["median_tps"].get<double>();
  double bulk_ratio =
      with["bulk_update_seconds"].get<double>() / without["bulk_update_seconds"].get<double>();
  double bulk_change_ratio =
      with["bulk_change_seconds"].get<double>() / without["bulk_change_seconds"].get<double>();
  out.data["single_row_update_ratio"] = update_ratio;
  out.data["single_row_insert_ratio"] = insert_ratio;
  out.data["single_row_change_ratio"] = change_ratio;
  out.data["bulk_update_time_ratio"] = bulk_ratio;
  out.data["bulk_change_time_ratio"] = bulk_change_ratio;
  out.rows.push_back(
      {"4. single-row write tx/s with triggers / without",
       fmt::format("{} rows; {} clients closed loop, {} x {} s rounds, median; without = the same "
                   "table before `zeroshift start`",
                   Thousands(setup.rows), setup.clients, setup.rounds, setup.round.count()),
       fmt::format("UPDATE SET name = name {} / {} tx/s = {:.2f}; changing the name {} / {} = "
                   "{:.2f}; INSERT {} / {} tx/s = {:.2f}",
                   Thousands(with["single_row_update"]["median_tps"].get<double>()),
                   Thousands(without["single_row_update"]["median_tps"].get<double>()),
                   update_ratio, Thousands(with["single_row_change"]["median_tps"].get<double>()),
                   Thousands(without["single_row_change"]["median_tps"].get<double>()),
                   change_ratio, Thousands(with["single_row_insert"]["median_tps"].get<double>()),
                   Thousands(without["single_row_insert"]["median_tps"].get<double>()),
                   insert_ratio),
       ">= 0.9 (all three; issue 16)",
       Verdict(update_ratio >= 0.9 && change_ratio >= 0.9 && insert_ratio >= 0.9)});
  out.rows.push_back(
      {"4. bulk UPDATE of every row, time with / without",
       fmt::format("`{}` (no value changes; the trigger skips the function) and `{}` (every "
                   "name changes) on {} rows, table compacted (VACUUM FULL) before each",
                   kBulkSql, kBulkChangeSql, Thousands(setup.rows)),
       fmt::format("no change {:.2f} s / {:.2f} s = {:.2f}x; changing {:.2f} s / {:.2f} s = "
                   "{:.2f}x",
                   with["bulk_update_seconds"].get<double>(),
                   without["bulk_update_seconds"].get<double>(), bulk_ratio,
                   with["bulk_change_seconds"].get<double>(),
                   without["bulk_change_seconds"].get<double>(), bulk_change_ratio),
       "<= 1.3x (both; issue 16; pgroll: 4.3x)",
       Verdict(bulk_ratio <= 1.3 && bulk_change_ratio <= 1.3)});
  return databases.Drop("bench_triggers");
}

}  // namespace

FigureResult TriggerCost(const Config& config, Databases& databases) {
  return RunFigure("trigger_cost", "4. Dual-write trigger cost",
                   [&](FigureResult& out) { return MeasureTriggerCost(config, databases, out); });
}

}  // namespace zs::bench
