#include "cli/app.h"

#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "backend/backend.h"
#include "cli/engine_options.h"
#include "cli/suggest.h"
#include "cli/version.h"
#include "pg/connection.h"

namespace zs::cli {

void AddGlobalOptions(CLI::App& app, GlobalOptions& o) {
  app.add_option("--url", o.url,
                 "database URL: postgres://... for PostgreSQL, mariadb://user:password@host:port/"
                 "database (or mysql://, ?socket=PATH for a Unix socket) for MariaDB (else "
                 "ZEROSHIFT_URL, ZEROSHIFT_POSTGRES_URL, DATABASE_URL, then libpq's PG* "
                 "variables)");
  app.add_option("--postgres-url", o.postgres_url, "PostgreSQL URL (the same as --url)");
  app.add_option("--schema", o.schema, "schema to migrate")->capture_default_str();
  app.add_option("--lock-timeout", o.lock_timeout_ms,
                 "lock_timeout of each DDL statement, in milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600000));
  CLI::Option* first_wait =
      app.add_option("--first-lock-wait", o.first_lock_wait_ms,
                     "lock wait of each DDL statement's first attempt, in milliseconds (or 20ms, "
                     "1s); each retry waits twice as long, up to --lock-timeout")
          ->capture_default_str()
          ->transform(CLI::AsNumberWithUnit(std::map<std::string, int>{{"ms", 1}, {"s", 1000}})
                          .description(""))  // the help says DURATION
          ->check(CLI::Validator(
              [](std::string& ms) {
                long long value = std::strtoll(ms.c_str(), nullptr, 10);
                return value >= 1 && value <= 3600000
                           ? std::string()
                           : ms + " ms is outside 1 ms .. 1 hour: give a positive wait such as "
                                  "20ms (it doubles on each retry up to --lock-timeout)";
              },
              ""))
          ->type_name("DURATION");
  // Checked once every flag is parsed: --lock-timeout may come after it.
  app.final_callback([first_wait, &o] {
    if (first_wait->count() > 0 && o.first_lock_wait_ms > o.lock_timeout_ms) {
      throw CLI::ValidationError(
          "--first-lock-wait",
          fmt::format("{} ms is longer than --lock-timeout {} ms, the bound of every attempt: "
                      "give a first wait of at most {} ms, or raise --lock-timeout",
                      o.first_lock_wait_ms, o.lock_timeout_ms, o.lock_timeout_ms));
    }
  });
  app.add_option("--lock-retries", o.lock_retries,
                 "attempts per DDL statement when the lock is not available")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--retry-initial-delay", o.retry_initial_ms,
                 "first backoff between lock attempts, in milliseconds (doubles each time)")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  app.add_option("--retry-max-delay", o.retry_max_ms, "largest backoff, in milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));
  app.add_option("--statement-timeout", o.statement_timeout_ms,
                 "statement_timeout of DDL statements (CREATE INDEX CONCURRENTLY exempt), ms")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400000));
  app.add_flag("--no-cancel-autovacuum", o.no_cancel_autovacuum,
               "after a lock timeout, leave an autovacuum worker that holds the table's lock "
               "running instead of cancelling it (an anti-wraparound one is never cancelled)");
  app.add_flag("-q,--quiet", o.quiet, "print only errors and requested output");
}

Result<engine::Engine> ConnectEngine(const GlobalOptions& o, const backfill::Options& backfill) {
  engine::Options options = MakeEngineOptions(o, backfill);
  ZS_ASSIGN_OR_RETURN(std::string conninfo, ResolveConninfo(o));
  return engine::Engine::Connect(conninfo, std::move(options));
}

Result<std::string> ResolveConninfo(const GlobalOptions& options) {
  if (!options.url.empty() && !options.postgres_url.empty()) {
    return InvalidInput("--url and --postgres-url both given: pass one of them");
  }
  std::string conninfo = options.url.empty() ? options.postgres_url : options.url;
  if (conninfo.empty()) {
    // ZEROSHIFT_URL names any backend; the older variables follow, as before.
    const char* url = std::getenv("ZEROSHIFT_URL");
    if (url != nullptr && *url != '\0') conninfo = url;
  }
  conninfo = pg::ResolveConnectionString(conninfo);
  // Refused here, before libpq could misread a scheme it does not know.
  ZS_RETURN_IF_ERROR(backend::SelectBackend(conninfo).status());
  return conninfo;
}

void BuildApp(CLI::App& app, GlobalOptions& options, Runner& run) {
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the command, as in pgroll
  // The text ends with a newline that CLI11 adds itself.
  std::string version = VersionText();
  app.set_version_flag("--version", version.substr(0, version.size() - 1),
                       "print the version of zeroshift and of the libpq it runs with");
  AddGlobalOptions(app, options);
  RegisterInit(app, options, run);
  RegisterPlan(app, options, run);
  RegisterStart(app, options, run);
  RegisterComplete(app, options, run);
  RegisterRollback(app, options, run);
  RegisterStatus(app, options, run);
  RegisterLatest(app, options, run);
  RegisterDemo(app, options, run);
  RegisterLab(app, options, run);
  RegisterBackfill(app, options, run);
  RegisterVerify(app, options, run);
  RegisterMigrate(app, options, run);
  RegisterValidate(app, options, run);
  RegisterPull(app, options, run);
  RegisterBaseline(app, options, run);
  RegisterDrift(app, options, run);
  RegisterLint(app, options, run);
  RegisterConvert(app, options, run);
  RegisterDoctor(app, options, run);
  RegisterFleet(app, options, run);
  RegisterCreate(app, options, run);
  RegisterDocs(app, options, run);
  RegisterUpdate(app, options, run);
}

namespace {

// The names of the subcommands users see (hidden ones have no group).
std::vector<std::string> VisibleNames(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::App* sub :
       command.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); })) {
    names.push_back(sub->get_name());
  }
  return names;
}

// "backfill tune": the names from below the app down to `command`.
std::string CommandPath(const CLI::App& command) {
  std::string path = command.get_name();
  for (const CLI::App* p = command.get_parent(); p && p->get_parent(); p = p->get_parent()) {
    path = p->get_name() + " " + path;
  }
  return path;
}

// The deepest command chosen on the command line (the app itself when none).
const CLI::App& ChosenCommand(const CLI::App& app) {
  const CLI::App* command = &app;
  while (!command->get_subcommands().empty()) command = command->get_subcommands().front();
  return *command;
}

// The word typed where a subcommand of `command` was expected and matched
// none, if that is what went wrong.
std::optional<std::string> UnknownCommand(const CLI::App& app, const CLI::App& command) {
  if (VisibleNames(command).empty()) return std::nullopt;
  // Unmatched words stay with the command, or fall through to the app.
  for (const CLI::App* holder : {&command, &app}) {
    for (const std::string& arg : holder->remaining()) {
      if (!arg.starts_with("-")) return arg;
    }
  }
  return std::nullopt;
}

// The flag typed that neither `command` nor the app knows, and the known
// flag nearest to it ("--lock-timout" -> "--lock-timeout").
std::optional<std::pair<std::string, std::string>> MistypedFlag(const CLI::App& app,
                                                                const CLI::App& command) {
  std::vector<std::string> known;
  for (const CLI::App* holder : {&command, &app}) {
    for (const CLI::Option* option : holder->get_options()) {
      for (const std::string& name : option->get_lnames()) known.push_back("--" + name);
    }
  }
  for (const CLI::App* holder : {&command, &app}) {
    for (const std::string& arg : holder->remaining()) {
      if (!arg.starts_with("--")) continue;
      std::string flag = arg.substr(0, arg.find('='));
      if (std::optional<std::string> near = ClosestName(flag, known)) return {{flag, *near}};
    }
  }
  return std::nullopt;
}

}  // namespace

int ReportParseError(CLI::App& app, const CLI::ParseError& error) {
  if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
    return app.exit(error);  // --help, --version
  }
  const CLI::App& command = ChosenCommand(app);
  if (std::optional<std::string> typed = UnknownCommand(app, command)) {
    std::optional<std::string> near = ClosestName(*typed, VisibleNames(command));
    std::string path = &command == &app ? "zeroshift" : "zeroshift " + CommandPath(command);
    std::cerr << fmt::format("{}: unknown command \"{}\"{} (`{} --help` lists them)\n", path,
                             *typed, near ? fmt::format("; did you mean \"{}\"?", *near) : "",
                             path);
    return kExitUsage;
  }
  app.exit(error);  // the parser's message and "Run with --help"
  if (auto flag = MistypedFlag(app, command)) {
    std::cerr << fmt::format("did you mean {} instead of {}?\n", flag->second, flag->first);
  }
  return kExitUsage;
}

}  // namespace zs::cli
