// `zeroshift doctor [--fix] [--json]`: lists zeroshift objects the state does
// not account for (src/doctor/doctor.h) and, with --fix, removes them. Exit
// code 0 when nothing is left, 1 when findings remain, 3 when a zeroshift
// command is running on the schema.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/app.h"
#include "doctor/doctor.h"
#include "pg/connection.h"
#include "pg/ddl_runner.h"

namespace zs::cli {

namespace {

struct DoctorFlags {
  bool fix = false;
  bool json = false;
};

pg::RetryPolicy Policy(const GlobalOptions& o) {
  return {.lock_timeout = std::chrono::milliseconds(o.lock_timeout_ms),
          .statement_timeout = std::chrono::milliseconds(o.statement_timeout_ms),
          .max_attempts = o.lock_retries,
          .initial_backoff = std::chrono::milliseconds(o.retry_initial_ms),
          .max_backoff = std::chrono::milliseconds(o.retry_max_ms)};
}

Status RunDoctor(const GlobalOptions& options, const DoctorFlags& flags) {
  pg::RetryPolicy policy = Policy(options);
  // The engine's session (PostgreSQL: pg::OpenOwnSession, so a transaction
  // pooler is refused; MariaDB: the URL's database is the schema).
  GlobalOptions quiet = options;
  quiet.quiet = true;
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(quiet));
  const std::string& schema = engine.schema();
  ZS_ASSIGN_OR_RETURN(doctor::Report report, flags.fix
                                                 ? doctor::Fix(engine.session(), schema, policy)
                                                 : doctor::Diagnose(engine.session(), schema));
  if (flags.json) {
    std::cout << report.ToJson().dump(2) << "\n";
  } else {
    std::cout << report.ToText();
  }
  if (report.findings.empty()) return Status::Ok();
  return Status(Code::kDatabase,
                fmt::format("{} half-applied object{} left in schema \"{}\" (listed above); {}",
                            report.findings.size(), report.findings.size() == 1 ? "" : "s", schema,
                            flags.fix ? "each says why it was not fixed"
                                      : "run `zeroshift doctor --fix` to remove those that have "
                                        "a fix"));
}

}  // namespace

void RegisterDoctor(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto flags = std::make_shared<DoctorFlags>();
  auto* cmd = app.add_subcommand(
      "doctor",
      "find half-applied zeroshift objects (triggers, temporary columns, INVALID indexes, stray "
      "version schemas) the state does not account for; --fix removes them");
  cmd->add_flag("--fix", flags->fix,
                "drop what was found, each under the lock timeout and retries; never what an "
                "active migration works on");
  cmd->add_flag("--json", flags->json, "print the findings as JSON on stdout");
  cmd->callback([&options, &run, flags] {
    run = [&options, flags]() -> Status { return RunDoctor(options, *flags); };
  });
}

}  // namespace zs::cli
