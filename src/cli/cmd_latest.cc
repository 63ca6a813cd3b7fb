// `zeroshift latest [schema|migration] [--local DIR]`: the version schema new
// clients should use, or the latest migration's name, from the database or
// from a directory of migration files (pgroll's latest).
#include <iostream>

#include <fmt/format.h>

#include "cli/app.h"
#include "history/history.h"
#include "history/migration_dir.h"
#include "migration/names.h"
#include "versions/version_schema.h"

namespace zs::cli {

namespace {

enum class What { kSchema, kMigration };

// The last migration of `dir` (.ledger order, else file names).
Result<migration::Migration> LatestLocal(const std::string& dir) {
  ZS_ASSIGN_OR_RETURN(auto local, history::LoadMigrationDir(dir));
  if (local.empty()) return NotFound(fmt::format("{} holds no migration files", dir));
  return std::move(local.back());
}

// What `latest` prints, and the schema its version names start with.
struct LatestAnswer {
  std::string latest;
  std::string schema;
};

Result<LatestAnswer> Latest(const GlobalOptions& options, What what, const std::string& local) {
  if (!local.empty()) {
    ZS_ASSIGN_OR_RETURN(migration::Migration m, LatestLocal(local));
    // The database is not asked, but its URL says how versions are named
    // (PostgreSQL: <schema>_<name>; MariaDB: <database>_<name>, hashed past
    // 64 characters).
    ZS_ASSIGN_OR_RETURN(std::string conninfo, ResolveConninfo(options));
    ZS_ASSIGN_OR_RETURN(engine::Engine::Target target,
                        engine::Engine::TargetOf(conninfo, options.schema));
    if (what == What::kMigration) return LatestAnswer{m.name, target.schema};
    return LatestAnswer{versions::VersionSqlFor(*target.backend)
                            .VersionName(target.schema, m.name, m.version_schema),
                        target.schema};
  }
  GlobalOptions quiet = options;
  quiet.quiet = true;
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(quiet));
  ZS_RETURN_IF_ERROR(engine.RequireInitialized());
  const std::string& schema = engine.schema();
  if (what == What::kSchema) {
    ZS_ASSIGN_OR_RETURN(std::string latest, engine.LatestVersionSchema());
    if (latest.empty()) {
      return NotFound("no migration has been started in schema " + schema +
                      "; start one with `zeroshift start FILE`");
    }
    return LatestAnswer{latest, schema};
  }
  ZS_ASSIGN_OR_RETURN(auto records, engine.History());
  auto entries = history::Entries(records);
  if (entries.empty()) {
    return NotFound("no migration has been applied to schema " + schema +
                    "; start one with `zeroshift start FILE`");
  }
  return LatestAnswer{entries.back().name, schema};
}

void AddLatest(CLI::App& cmd, GlobalOptions& options, Runner& run, What what,
               const std::function<bool()>& chosen_elsewhere) {
  auto local = std::make_shared<std::string>();
  cmd.add_option("-l,--local", *local,
                 "read the latest migration from this directory instead of the database");
  cmd.callback([&options, &run, what, local, chosen_elsewhere] {
    if (chosen_elsewhere()) return;
    run = [&options, what, local]() -> Status {
      ZS_ASSIGN_OR_RETURN(LatestAnswer answer, Latest(options, what, *local));
      const std::string& latest = answer.latest;
      // Printed bare for `SET search_path TO $(zeroshift latest)`: a stored
      // name with a newline, quote or `;` (from an older zeroshift or a hand
      // edit) would become part of the caller's command, so it is refused.
      std::string prefix = answer.schema + "_";
      if (what == What::kMigration) {
        ZS_RETURN_IF_ERROR(
            migration::ValidateMigrationName(latest, "the latest migration's name is"));
      } else if (latest != answer.schema) {
        ZS_RETURN_IF_ERROR(migration::ValidateMigrationName(
            latest.starts_with(prefix) ? latest.substr(prefix.size()) : latest,
            "the latest version schema ends in"));
      }
      std::cout << latest << "\n";
      return Status::Ok();
    };
  });
}

}  // namespace

void RegisterLatest(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto* cmd = app.add_subcommand(
      "latest",
      "print the latest version schema, for clients' search_path (`latest migration`: the "
      "latest migration's name)");
  auto* schema =
      cmd->add_subcommand("schema", "print the latest version schema (as `latest` alone does)");
  auto* migration = cmd->add_subcommand("migration", "print the latest migration's name");
  auto never = [] { return false; };
  AddLatest(*schema, options, run, What::kSchema, never);
  AddLatest(*migration, options, run, What::kMigration, never);
  // `latest` alone: its callback also runs after a subcommand's, which wins.
  AddLatest(*cmd, options, run, What::kSchema,
            [schema, migration] { return schema->parsed() || migration->parsed(); });
}

}  // namespace zs::cli
