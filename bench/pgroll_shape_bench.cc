// Figure 7: pgroll's own backfill benchmark, like for like
// (xataio/pgroll internal/benchmarks/benchmarks_test.go, BenchmarkBackfill):
// users(id serial primary key, name varchar(255) NULL) seeded with `rows`
// NULL names, then an alter_column making name NOT NULL with
// up = (SELECT CASE WHEN name IS NULL THEN 'placeholder' ELSE name END),
// timed from the start of the migration until it is complete, and reported
// as rows / that time, as pgroll reports it. pgroll publishes about 55 k,
// 28 k and 11 k rows/s at 10 k, 100 k and 300 k rows (GitHub's CI runners,
// PostgreSQL 14 to 18).
#include <fmt/format.h>

#include "bench/engine_run.h"
#include "bench/figures.h"
#include "migration/parser.h"

namespace zs::bench {

namespace {

// pgroll's migAlterColumn. Its `down` ("user_name") names no column; the
// reverse of this change is the new value itself. Its column comment is left
// out: a catalog-only change, not part of the backfill.
constexpr char kPgrollAlterColumn[] = R"yaml(
operations:
  - alter_column:
      table: users
      column: name
      nullable: false
      up: (SELECT CASE WHEN name IS NULL THEN 'placeholder' ELSE name END)
      down: name
)yaml";

// pgroll's published rows/s for the same row counts, read off its benchmark
// page (CI runners, PostgreSQL 14-18); for the comparison line only.
struct PgrollPoint {
  long long rows;
  double rows_per_second;
};
constexpr PgrollPoint kPgrollPublished[] = {{10'000, 55'000}, {100'000, 28'000}, {300'000, 11'000}};

// The table as pgroll's setupInitialTable leaves it: created, then seeded in
// one transaction with NULL names (pgroll uses COPY; INSERT ... SELECT
// writes the same rows). No VACUUM, as there.
Status LoadPgrollUsers(pg::Connection& conn, long long rows) {
  ZS_RETURN_IF_ERROR(
      conn.Run("CREATE TABLE users (id serial PRIMARY KEY, name varchar(255) NULL)"));
  ZS_RETURN_IF_ERROR(conn.Run(
      fmt::format("INSERT INTO users (name) SELECT NULL FROM generate_series(1, {})", rows)));
  return Checkpoint(conn);
}

// Every row got the placeholder and the column is NOT NULL: a figure that
// times a wrong result reports nothing.
Status RequirePlaceholders(pg::Connection& conn, long long rows) {
  ZS_ASSIGN_OR_RETURN(pg::Rows wrong, conn.Exec("SELECT count(*) FILTER (WHERE name IS DISTINCT "
                                                "FROM 'placeholder'), count(*) FROM users"));
  ZS_ASSIGN_OR_RETURN(pg::Rows not_null,
                      conn.Exec("SELECT attnotnull FROM pg_attribute WHERE attrelid = "
                                "'public.users'::regclass AND attname = 'name'"));
  if (wrong.GetInt(0, 0) == 0 && wrong.GetInt(0, 1) == rows && not_null.size() == 1 &&
      not_null.Get(0, 0) == "t") {
    return Status::Ok();
  }
  return Internal(fmt::format(
      "after the alter_column, {} of {} rows of users lack the placeholder (expected 0 of {}) or "
      "name is not NOT NULL; check the engine's alter_column backfill",
      wrong.GetInt(0, 0), wrong.GetInt(0, 1), rows));
}

Result<nlohmann::json> MeasurePgrollPoint(Databases& databases,
                                          const migration::Migration& migration, long long rows) {
  std::string database = fmt::format("bench_pgroll_{}", rows);
  ZS_ASSIGN_OR_RETURN(std::string url, databases.Fresh(database));
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(url));
  Say(fmt::format("7. loading {} rows of pgroll's users", Thousands(rows)));
  ZS_RETURN_IF_ERROR(LoadPgrollUsers(conn, rows));
  ZS_ASSIGN_OR_RETURN(backfill::Options options, CliBackfillOptions(""));
  ZS_ASSIGN_OR_RETURN(auto engine, TimedEngine::Connect(url, std::move(options)));
  ZS_RETURN_IF_ERROR(engine->Init());
  Say(fmt::format("7. zeroshift start + complete of the alter_column on {} rows", Thousands(rows)));
  auto began = Clock::now();
  ZS_ASSIGN_OR_RETURN(StartRun run, engine->Start(migration));
  ZS_RETURN_IF_ERROR(engine->Complete());
  double seconds = SecondsSince(began);
  ZS_RETURN_IF_ERROR(RequirePlaceholders(conn, rows));
  ZS_RETURN_IF_ERROR(databases.Drop(database));
  return nlohmann::json{{"rows", rows},
                        {"start_and_complete_seconds", seconds},
                        {"rows_per_second", rows / seconds},
                        {"start_seconds", run.start_seconds},
                        {"backfill_seconds", run.backfill_seconds},
                        {"backfill_rows_per_second", rows / run.backfill_seconds},
                        {"batches", run.batches}};
}

Status MeasurePgrollShape(const Config& config, Databases& databases, FigureResult& out) {
  ZS_ASSIGN_OR_RETURN(migration::Migration migration,
                      migration::ParseMigration(kPgrollAlterColumn, "02_alter_column.yaml"));
  out.data["migration"] = kPgrollAlterColumn;
  out.data["points"] = nlohmann::json::array();
  std::string measured;
  for (const PgrollPoint& pgroll : kPgrollPublished) {
    ZS_ASSIGN_OR_RETURN(nlohmann::json point,
                        MeasurePgrollPoint(databases, migration, pgroll.rows));
    point["pgroll_published_rows_per_second"] = pgroll.rows_per_second;
    double rate = point["rows_per_second"];
    measured +=
        fmt::format("{}{}: {} (pgroll {})", measured.empty() ? "" : "; ", Thousands(pgroll.rows),
                    Thousands(rate), Thousands(pgroll.rows_per_second));
    out.data["points"].push_back(std::move(point));
  }
  (void)config;
  out.rows.push_back(
      {"7. pgroll's backfill benchmark, like for like",
       "pgroll's BenchmarkBackfill shape: users(id serial, name varchar(255)) with NULL names; "
       "alter_column name to NOT NULL with up = CASE WHEN name IS NULL THEN 'placeholder'; "
       "`zeroshift start` + `complete` timed as pgroll times Start + Complete, default options",
       "rows/s at " + measured, "(comparison with pgroll's published CI figures, another machine)",
       "-"});
  return Status::Ok();
}

}  // namespace

FigureResult PgrollShape(const Config& config, Databases& databases) {
  return RunFigure("pgroll_shape", "7. pgroll's backfill benchmark",
                   [&](FigureResult& out) { return MeasurePgrollShape(config, databases, out); });
}

}  // namespace zs::bench
