// `zeroshift validate FILE|DIR`: parse and plan a migration against the live
// schema inside a READ ONLY transaction, then rehearse it in a rolled-back
// one; prints "ok" and what the migration would do, or the error (exit 1). A
// directory: its pending migrations (those `migrate` would apply), in order.
#include <iostream>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "cli/app.h"
#include "cli/pending.h"
#include "migration/parser.h"

namespace zs::cli {

namespace {

// "2 x ACCESS EXCLUSIVE, 1 x SHARE UPDATE EXCLUSIVE" over `actions`, strongest
// first, in the database's own words (ops::LockText: MariaDB's metadata locks).
std::string LockSummary(const std::vector<ops::Action>& actions) {
  std::map<std::pair<ops::Lock, std::string>, int, std::greater<>> counts;
  for (const auto& action : actions) {
    if (action.lock != ops::Lock::kNone) ++counts[{action.lock, ops::LockText(action)}];
  }
  std::string out;
  for (const auto& [lock, count] : counts) {
    out += fmt::format("{}{} x {}", out.empty() ? "" : ", ", count, lock.second);
  }
  return out.empty() ? "no table locks" : out;
}

// `what` heads the first line: `file: migration "name"`, or the directory's
// pending migrations.
void PrintSummary(const std::string& file, const std::string& what, const migration::Migration& m,
                  const engine::Plan& plan) {
  std::cout << fmt::format("ok: {}, {} operation{}\n", what, m.operations.size(),
                           m.operations.size() == 1 ? "" : "s");
  std::cout << fmt::format("  version schema: {}\n", plan.version_schema);
  std::vector<ops::Action> start = plan.expand;
  start.insert(start.end(), plan.install.begin(), plan.install.end());
  std::cout << fmt::format("  start: {} actions ({})\n", start.size(), LockSummary(start));
  // Every action the count covers: the expand ones and the triggers and views after them.
  for (const auto& action : start) std::cout << "    " << action.id << "\n";
  for (const auto& task : plan.backfill) {
    std::cout << fmt::format("  backfill: {} ({})\n", task.table, task.reason);
  }
  std::cout << fmt::format("  complete: {} actions ({})\n", plan.complete.size(),
                           LockSummary(plan.complete));
  std::cout << fmt::format("  rollback: {} actions ({})\n", plan.rollback.size(),
                           LockSummary(plan.rollback));
  for (size_t i = 0; i + 1 < m.operations.size(); ++i) {
    if (m.operations[i].kind != "sql") continue;
    std::cout << fmt::format(
        "  note: the operations after the sql operation at {} were checked for their format "
        "only; what they refer to may come from that SQL, so start checks them after it runs\n",
        m.operations[i].location.ToString());
    break;
  }
  // Accepted, but worth a look before start: a lossy `up`/`down` pair, a `down`
  // naming a column its version lacks.
  for (const auto& warning : plan.warnings) std::cout << "  warning: " << warning << "\n";
  std::cout << "  `zeroshift plan " << file << "` prints every statement\n";
}

// An invalid migration exits 1, even when the reason is a conflict with the
// schema (exit 3 means "something else is in the way").
Result<engine::Plan> Validate(engine::Engine& engine, const migration::Migration& migration) {
  Result<engine::Plan> plan = engine.ValidateMigration(migration);
  if (plan.ok() || plan.status().code() != Code::kConflict) return plan;
  const Status& error = plan.status();
  return Status(Code::kInvalidInput, error.message(), error.sqlstate());
}

Status ValidateFile(const GlobalOptions& options, const std::string& file) {
  ZS_ASSIGN_OR_RETURN(migration::Migration migration, migration::LoadMigrationFile(file));
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(options));
  ZS_ASSIGN_OR_RETURN(engine::Plan plan, Validate(engine, migration));
  PrintSummary(file, fmt::format("{}: migration \"{}\"", file, migration.name), migration, plan);
  return Status::Ok();
}

// The pending migrations are validated and rehearsed together, in order, each
// operation on the schema the ones before it leave (`plan DIR` says why); an
// error names the file and line of the operation it is about.
Status ValidateDirectory(const GlobalOptions& options, const std::string& dir) {
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(options));
  ZS_ASSIGN_OR_RETURN(PendingMigrations pending, FindPending(engine, dir));
  if (pending.migrations.empty()) {
    std::cout << fmt::format("ok: {}: nothing pending; the database has every migration of it\n",
                             dir);
    return Status::Ok();
  }
  migration::Migration combined = Combine(pending.migrations);
  ZS_ASSIGN_OR_RETURN(engine::Plan plan, Validate(engine, combined));
  PrintSummary(dir, DescribePending(dir, pending), combined, plan);
  if (!pending.active.empty()) {
    std::cout << fmt::format("  note: {} is active; `zeroshift migrate {}` completes it first\n",
                             pending.active, dir);
  }
  return Status::Ok();
}

}  // namespace

void RegisterValidate(CLI::App& app, GlobalOptions& options, Runner& run) {
  AddFileOrDirectoryCommand(app, options, run, "validate",
                            "check a migration file against the live schema (format, tables, "
                            "columns, types, up/down expressions) in a READ ONLY transaction; "
                            "prints ok and a summary, or the error (exit 1)",
                            ValidateFile, ValidateDirectory);
}

}  // namespace zs::cli
