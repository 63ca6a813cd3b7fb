// Figure 4: what the dual-write triggers cost a writer. The same table is
// measured before `zeroshift start` (no triggers) and after it (triggers
// installed, backfill done, VACUUM FULL so both start compact). Each UPDATE
// is measured twice: `SET name = name`, which rewrites every row without
// changing a value (the ordinary sessions' UPDATE trigger skips the function
// for it: postgres_dual_write.cc, UpdateSkipCondition), and `SET name =
// reverse(name)`, which changes the source column of every row it touches,
// so that the trigger computes both new columns: the dual write's own cost.
//
// The floor: the same single-row writes with an empty PL/pgSQL BEFORE ROW
// trigger (`RETURN NEW`) instead, as tx/s on the table before `zeroshift
// start` (beside "without"), and as backend CPU per statement on the table
// after it, the three states (no trigger, the empty one, zeroshift's)
// interleaved round by round: what any PL/pgSQL row trigger costs, and how
// much of the gap is the dual write's own. CPU, not wall time: the client's
// round trip and the machine's other load are not in it.
#include <unistd.h>

#include <algorithm>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "bench/engine_run.h"
#include "bench/figures.h"
#include "bench/oltp.h"
#include "pg/quote.h"
#include "triggers/postgres_dual_write_origin.h"

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

// The empty BEFORE ROW trigger (the floor of any PL/pgSQL row trigger).
constexpr const char* kCreateEmptyTriggerSql =
    "CREATE FUNCTION public.zs_bench_empty() RETURNS trigger LANGUAGE plpgsql AS "
    "'BEGIN RETURN NEW; END';\n"
    "CREATE TRIGGER zs_bench_empty BEFORE INSERT OR UPDATE ON public.users FOR EACH ROW "
    "EXECUTE FUNCTION public.zs_bench_empty();";
constexpr const char* kDropEmptyTriggerSql =
    "DROP TRIGGER zs_bench_empty ON public.users; DROP FUNCTION public.zs_bench_empty();";

// The current backend's CPU time (utime + stime of /proc/self/stat, read by
// the backend itself: the bench's role is a superuser), in seconds.
Result<double> TriggerBackendCpuSeconds(pg::Connection& conn) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows,
                      conn.Exec("SELECT pg_catalog.pg_read_file('/proc/self/stat')"));
  std::string stat = rows.Get(0, 0);
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return Internal("unreadable /proc/self/stat: " + stat);
  std::istringstream fields(stat.substr(paren + 1));
  std::vector<std::string> field;
  for (std::string f; fields >> f;) field.push_back(f);
  // Fields from the state (3rd): utime is the 14th, stime the 15th.
  if (field.size() < 13) return Internal("short /proc/self/stat: " + stat);
  double ticks = std::stod(field[11]) + std::stod(field[12]);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct TriggerCpuStatement {
  const char* key;
  const char* sql;
};

// Which triggers fire for an ordinary session's write: "none", "empty" (the
// empty PL/pgSQL one) or "zeroshift" (the dual write's INSERT and UPDATE
// triggers; the replica-mode one never fires for these sessions).
Status TriggerCpuState(pg::Connection& conn, const std::string& state) {
  std::string ours;
  for (const std::string& name : {triggers::OriginTriggerName("public", "users"),
                                  triggers::OriginInsertTriggerName("public", "users")}) {
    ours += fmt::format("ALTER TABLE public.users {} TRIGGER {};\n",
                        state == "zeroshift" ? "ENABLE" : "DISABLE", pg::QuoteIdent(name));
  }
  return conn.Run(ours + fmt::format("ALTER TABLE public.users {} TRIGGER zs_bench_empty;",
                                     state == "empty" ? "ENABLE" : "DISABLE"));
}

// Backend CPU us per single-row statement, sent one by one from one
// connection (as the clients send them), for each state and statement,
// states interleaved in every round; median and range over the rounds.
Result<nlohmann::json> BackendCpuPerStatement(const TriggerSetup& setup, pg::Connection& conn,
                                              int rounds, int statements) {
  const std::vector<TriggerCpuStatement> kinds = {{"single_row_update", kUpdateSql},
                                                  {"single_row_change", kChangeSql},
                                                  {"single_row_insert", kInsertSql}};
  const std::vector<std::string> states = {"none", "empty", "zeroshift"};
  std::mt19937_64 random(0x7c05);
  std::uniform_int_distribution<long long> id(1, setup.rows);
  ZS_RETURN_IF_ERROR(conn.Run(kCreateEmptyTriggerSql));
  std::map<std::string, std::map<std::string, std::vector<double>>> us;
  for (int r = 0; r < rounds; ++r) {
    for (const std::string& state : states) {
      ZS_RETURN_IF_ERROR(TriggerCpuState(conn, state));
      for (const auto& kind : kinds) {
        for (int i = 0; i < 200; ++i) {  // warm the backend's caches for this state
          ZS_RETURN_IF_ERROR(conn.RunParams(kind.sql, {std::to_string(id(random))}));
        }
        ZS_ASSIGN_OR_RETURN(double before, TriggerBackendCpuSeconds(conn));
        for (int i = 0; i < statements; ++i) {
          ZS_RETURN_IF_ERROR(conn.RunParams(kind.sql, {std::to_string(id(random))}));
        }
        ZS_ASSIGN_OR_RETURN(double after, TriggerBackendCpuSeconds(conn));
        us[state][kind.key].push_back((after - before) * 1e6 / statements);
      }
    }
  }
  ZS_RETURN_IF_ERROR(TriggerCpuState(conn, "zeroshift"));
  ZS_RETURN_IF_ERROR(conn.Run(kDropEmptyTriggerSql));
  nlohmann::json out;
  for (auto& [state, by_kind] : us) {
    for (auto& [kind, values] : by_kind) {
      std::vector<double> sorted = values;
      std::sort(sorted.begin(), sorted.end());
      out[state][kind] = {{"rounds_us", values},
                          {"median_us", sorted[sorted.size() / 2]},
                          {"min_us", sorted.front()},
                          {"max_us", sorted.back()}};
    }
  }
  return out;
}

// The single-row updates and inserts of one state of the table.
Result<nlohmann::json> MeasureSingleRow(const TriggerSetup& setup, const std::string& label) {
  nlohmann::json out;
  Say(fmt::format("4. single-row UPDATE tx/s, {}", label));
  ZS_ASSIGN_OR_RETURN(out["single_row_update"], SingleRowRate(setup, kUpdateSql));
  Say(fmt::format("4. single-row UPDATE changing name tx/s, {}", label));
  ZS_ASSIGN_OR_RETURN(out["single_row_change"], SingleRowRate(setup, kChangeSql));
  Say(fmt::format("4. single-row INSERT tx/s, {}", label));
  ZS_ASSIGN_OR_RETURN(out["single_row_insert"], SingleRowRate(setup, kInsertSql));
  return out;
}

// One state of the table: single-row updates and inserts, then the bulk UPDATE.
Result<nlohmann::json> MeasureState(const TriggerSetup& setup, pg::Connection& conn,
                                    const std::string& label) {
  ZS_ASSIGN_OR_RETURN(nlohmann::json out, MeasureSingleRow(setup, label));
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
  ZS_RETURN_IF_ERROR(conn.Run(kCreateEmptyTriggerSql));
  ZS_ASSIGN_OR_RETURN(out.data["empty_trigger"],
                      MeasureSingleRow(setup, "an empty PL/pgSQL trigger (RETURN NEW)"));
  ZS_RETURN_IF_ERROR(conn.Run(kDropEmptyTriggerSql));
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
  // After the check: with the dual write disabled, these writes leave rows unsplit.
  const int cpu_rounds = config.quick ? 3 : 5;
  const int cpu_statements = config.quick ? 3'000 : 20'000;
  Say("4. backend CPU per single-row statement: no trigger, empty trigger, zeroshift's, "
      "interleaved");
  ZS_ASSIGN_OR_RETURN(out.data["backend_cpu_per_statement"],
                      BackendCpuPerStatement(setup, conn, cpu_rounds, cpu_statements));
  out.data["backend_cpu_method"] = fmt::format(
      "on the table after `zeroshift start`: {} rounds, each of the states no trigger (the dual "
      "write's INSERT and UPDATE triggers disabled), an empty PL/pgSQL BEFORE INSERT OR UPDATE "
      "trigger (`RETURN NEW`) alone, and zeroshift's triggers alone, in turn; per state and "
      "statement {} statements (after 200 unmeasured) sent one by one on one connection, "
      "backend CPU = utime + stime of the backend's /proc/self/stat (resolution 1/{} s); "
      "median and range over the rounds",
      cpu_rounds, cpu_statements, sysconf(_SC_CLK_TCK));

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
  const nlohmann::json& empty = out.data["empty_trigger"];
  auto empty_ratio = [&](const char* key) {
    return empty[key]["median_tps"].get<double>() / without[key]["median_tps"].get<double>();
  };
  out.data["empty_trigger_update_ratio"] = empty_ratio("single_row_update");
  out.data["empty_trigger_change_ratio"] = empty_ratio("single_row_change");
  out.data["empty_trigger_insert_ratio"] = empty_ratio("single_row_insert");
  out.rows.push_back(
      {"4. the floor: single-row tx/s with an empty PL/pgSQL trigger / without",
       "the same table before `zeroshift start`, one BEFORE INSERT OR UPDATE trigger whose "
       "body is `RETURN NEW`, measured as above right after `without`",
       fmt::format("UPDATE SET name = name {:.2f}; changing the name {:.2f}; INSERT {:.2f}",
                   empty_ratio("single_row_update"), empty_ratio("single_row_change"),
                   empty_ratio("single_row_insert")),
       "- (what any PL/pgSQL row trigger costs)", "-"});
  const nlohmann::json& cpu = out.data["backend_cpu_per_statement"];
  auto cpu_cell = [&](const char* key) {
    auto one = [&](const char* state) {
      const nlohmann::json& m = cpu[state][key];
      return fmt::format("{:.1f} ({:.1f}-{:.1f})", m["median_us"].get<double>(),
                         m["min_us"].get<double>(), m["max_us"].get<double>());
    };
    return fmt::format("{} / {} / {}", one("none"), one("empty"), one("zeroshift"));
  };
  out.rows.push_back(
      {"4. backend CPU us per single-row statement: no trigger / empty trigger / zeroshift's",
       fmt::format("after `zeroshift start`, states interleaved, {} rounds of {} statements, "
                   "median (range)",
                   cpu_rounds, cpu_statements),
       fmt::format("UPDATE SET name = name {}; changing the name {}; INSERT {}",
                   cpu_cell("single_row_update"), cpu_cell("single_row_change"),
                   cpu_cell("single_row_insert")),
       "- (where the gap is)", "-"});
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
