#include <iostream>

#include "cli/app.h"
#include "migration/parser.h"

namespace zs::cli {

void RegisterPlan(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto* cmd = app.add_subcommand(
      "plan",
      "print the SQL that start, complete and rollback would run, with the lock each "
      "statement takes; changes nothing");
  auto file = std::make_shared<std::string>();
  cmd->add_option("file", *file, "migration file (YAML or JSON)")->required();
  cmd->callback([&options, &run, file] {
    run = [&options, file]() -> Status {
      ZS_ASSIGN_OR_RETURN(migration::Migration migration, migration::LoadMigrationFile(*file));
      GlobalOptions quiet = options;
      quiet.quiet = true;
      ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(quiet));
      ZS_ASSIGN_OR_RETURN(engine::Plan plan, engine.PlanMigration(migration));
      std::cout << engine::FormatPlan(plan);
      return Status::Ok();
    };
  });
}

}  // namespace zs::cli
