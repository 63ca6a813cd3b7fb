// `zeroshift create NAME [--dir DIR]`: see create.h.
#include <iostream>

#include "cli/app.h"
#include "cli/create.h"

namespace zs::cli {

void RegisterCreate(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto name = std::make_shared<std::string>();
  auto dir = std::make_shared<std::string>(".");
  auto* cmd = app.add_subcommand(
      "create",
      "write a new migration file NN_NAME.yaml, numbered after the last one in the directory, "
      "with commented examples to fill in");
  cmd->add_option("name", *name, "what the migration does, e.g. add_email (letters, digits, _ - .)")
      ->required();
  cmd->add_option("-d,--dir", *dir, "the folder of migration files")->capture_default_str();
  cmd->callback([&options, &run, name, dir] {
    run = [&options, name, dir]() -> Status {
      ZS_ASSIGN_OR_RETURN(std::string path, CreateMigration(*dir, *name));
      if (!options.quiet) std::cout << "created " << path << "\n";
      return Status::Ok();
    };
  });
}

}  // namespace zs::cli
