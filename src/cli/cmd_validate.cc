// `zeroshift validate FILE`: parse and plan a migration against the live
// schema inside a READ ONLY transaction; prints "ok" and what the migration
// would do, or the error (exit 1).
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "cli/app.h"
#include "migration/parser.h"

namespace zs::cli {

namespace {

// "2 x ACCESS EXCLUSIVE, 1 x SHARE UPDATE EXCLUSIVE" over `actions`.
std::string LockSummary(const std::vector<ops::Action>& actions) {
  std::map<ops::Lock, int, std::greater<>> counts;
  for (const auto& action : actions) {
    if (action.lock != ops::Lock::kNone) ++counts[action.lock];
  }
  std::string out;
  for (const auto& [lock, count] : counts) {
    out += fmt::format("{}{} x {}", out.empty() ? "" : ", ", count, ops::LockName(lock));
  }
  return out.empty() ? "no table locks" : out;
}

void PrintSummary(const std::string& file, const migration::Migration& m,
                  const engine::Plan& plan) {
  std::cout << fmt::format("ok: {}: migration \"{}\", {} operation{}\n", file, m.name,
                           m.operations.size(), m.operations.size() == 1 ? "" : "s");
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

}  // namespace

void RegisterValidate(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto file = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "validate",
      "check a migration file against the live schema (format, tables, columns, types, "
      "up/down expressions) in a READ ONLY transaction; prints ok and a summary, or the "
      "error (exit 1)");
  cmd->add_option("file", *file, "migration file (YAML or JSON)")->required();
  cmd->callback([&options, &run, file] {
    run = [&options, file]() -> Status {
      ZS_ASSIGN_OR_RETURN(migration::Migration migration, migration::LoadMigrationFile(*file));
      GlobalOptions quiet = options;
      quiet.quiet = true;
      ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(quiet));
      Result<engine::Plan> plan = engine.ValidateMigration(migration);
      if (!plan.ok()) {
        // An invalid migration exits 1, even when the reason is a conflict
        // with the schema (exit 3 means "something else is in the way").
        const Status& error = plan.status();
        if (error.code() != Code::kConflict) return error;
        return Status(Code::kInvalidInput, error.message(), error.sqlstate());
      }
      PrintSummary(*file, migration, *plan);
      return Status::Ok();
    };
  });
}

}  // namespace zs::cli
