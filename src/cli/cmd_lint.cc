// zeroshift lint: flags dangerous locks, rewrites and client-breaking changes
// in SQL migration files (src/lint/). Exit code 0 when clean, 1 when a finding
// is at or above --fail-on, 2 on usage errors. Its flags are parsed by a CLI11
// parser of its own (the subcommand passes everything through) so that every
// usage error, CLI11's included, exits with 2.
#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/app.h"
#include "cli/version.h"
#include "lint/config.h"
#include "lint/linter.h"
#include "lint/report.h"
#include "lint/rules.h"

namespace zs::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kUsageExitCode = 2;

struct LintFlags {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string fail_on;
  int pg_version = 0;
  bool assume_in_transaction = false;
  std::vector<std::string> exclude;
  std::vector<std::string> exclude_paths;
  std::string config;
  bool no_config = false;
  bool list_rules = false;
  std::string stdin_name = "stdin";
  std::string color = "auto";
};

// What the runner needs once flags, configuration and paths are resolved.
struct LintRun {
  std::vector<std::string> files;  // "-" is stdin
  lint::LintOptions options;
  std::optional<lint::Severity> fail_on;  // nullopt: never fail
  std::string format;
  bool color = false;
  std::string stdin_name;
  bool list_rules = false;
};

[[noreturn]] void Usage(const std::string& message) {
  throw CLI::ParseError("zeroshift lint: " + message, kUsageExitCode);
}

void AddLintFlags(CLI::App& app, LintFlags& f) {
  app.add_option("paths", f.paths,
                 "SQL files, or directories (their *.sql files, recursively, in name order); - "
                 "reads standard input");
  app.add_option("--format", f.format, "text (default), json, sarif or github")
      ->check(CLI::IsMember({"text", "json", "sarif", "github"}));
  app.add_option("--fail-on", f.fail_on,
                 "exit 1 when a finding is at least this severe: error, warning (default), info, "
                 "or none")
      ->check(CLI::IsMember({"error", "warning", "info", "none"}));
  app.add_option("--pg-version", f.pg_version, "the target PostgreSQL major version (default 15)")
      ->check(CLI::Range(12, 17));
  app.add_flag("--assume-in-transaction", f.assume_in_transaction,
               "the migration tool runs each file in one transaction");
  app.add_option("--exclude", f.exclude, "rule ids never reported (repeat, or separate by commas)")
      ->delimiter(',')
      ->allow_extra_args(false);
  app.add_option("--exclude-path", f.exclude_paths, "skip files matching this glob (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--config", f.config,
                 "configuration file (default: the nearest .zeroshift-lint.yaml)");
  app.add_flag("--no-config", f.no_config, "ignore .zeroshift-lint.yaml");
  app.add_flag("--list-rules", f.list_rules, "print every rule, its severity and what it flags");
  app.add_option("--stdin-filename", f.stdin_name, "the name findings give standard input");
  app.add_option("--color", f.color, "auto (default), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
}

std::optional<lint::LintConfig> ReadConfig(const LintFlags& flags) {
  if (flags.no_config) return std::nullopt;
  std::string path = flags.config;
  if (path.empty()) {
    std::optional<fs::path> found = lint::FindLintConfig(fs::current_path());
    if (!found) return std::nullopt;
    path = found->string();
  }
  Result<lint::LintConfig> config = lint::LoadLintConfig(path);
  if (!config.ok()) Usage(config.status().message());
  return std::move(config).value();
}

bool Excluded(const fs::path& file, const std::vector<std::string>& patterns) {
  std::error_code ec;
  std::string absolute = fs::absolute(file, ec).lexically_normal().string();
  for (const std::string& pattern : patterns) {
    std::string abs_pattern = fs::path(pattern).is_absolute()
                                  ? pattern
                                  : fs::absolute(pattern, ec).lexically_normal().string();
    if (fnmatch(pattern.c_str(), file.string().c_str(), 0) == 0 ||
        fnmatch(abs_pattern.c_str(), absolute.c_str(), 0) == 0) {
      return true;
    }
  }
  return false;
}

// Orders "2_x.sql" before "10_x.sql": a run of digits compares as a number,
// the rest byte by byte, so numbered migrations without leading zeros are
// read in the order they run (lint follows state across files).
bool NaturalLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    bool digit_a = std::isdigit(static_cast<unsigned char>(a[i])) != 0;
    bool digit_b = std::isdigit(static_cast<unsigned char>(b[j])) != 0;
    if (!digit_a || !digit_b) {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i, ++j;
      continue;
    }
    size_t end_a = a.find_first_not_of("0123456789", i);
    size_t end_b = b.find_first_not_of("0123456789", j);
    std::string_view run_a = std::string_view(a).substr(i, end_a - i);
    std::string_view run_b = std::string_view(b).substr(j, end_b - j);
    auto significant = [](std::string_view run) {
      size_t first = run.find_first_not_of('0');
      return first == std::string_view::npos ? std::string_view() : run.substr(first);
    };
    std::string_view value_a = significant(run_a), value_b = significant(run_b);
    if (value_a.size() != value_b.size()) return value_a.size() < value_b.size();
    if (value_a != value_b) return value_a < value_b;
    if (run_a.size() != run_b.size()) return run_a.size() < run_b.size();
    i += run_a.size(), j += run_b.size();
  }
  return a.size() - i < b.size() - j;
}

// Expands directories into their *.sql files, each directory's in natural
// order (NaturalLess); every path must exist.
std::vector<std::string> CollectFiles(const std::vector<std::string>& paths,
                                      const std::vector<std::string>& exclude) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    if (path == "-") {
      files.push_back(path);
      continue;
    }
    std::error_code ec;
    fs::file_status status = fs::status(path, ec);
    if (fs::is_regular_file(status)) {
      if (!Excluded(path, exclude)) files.push_back(path);
    } else if (fs::is_directory(status)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(path, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && it->path().extension() == ".sql" &&
            !Excluded(it->path(), exclude)) {
          found.push_back(it->path().string());
        }
      }
      if (ec) Usage(fmt::format("cannot read directory {}: {}", path, ec.message()));
      std::sort(found.begin(), found.end(), NaturalLess);
      files.insert(files.end(), found.begin(), found.end());
    } else {
      Usage(fmt::format("{}: no such file or directory", path));
    }
  }
  return files;
}

bool UseColor(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr &&
         (term == nullptr || std::string(term) != "dumb");
}

LintRun Resolve(const LintFlags& flags) {
  std::optional<lint::LintConfig> config = ReadConfig(flags);
  LintRun run;
  run.format = flags.format;
  run.color = run.format == "text" && UseColor(flags.color);
  run.stdin_name = flags.stdin_name;
  run.list_rules = flags.list_rules;
  run.options.pg_version = flags.pg_version != 0          ? flags.pg_version
                           : config && config->pg_version ? *config->pg_version
                                                          : 15;
  run.options.assume_in_transaction =
      flags.assume_in_transaction || (config && config->assume_in_transaction.value_or(false));
  std::vector<std::string> exclude = flags.exclude;
  if (config) exclude.insert(exclude.end(), config->exclude.begin(), config->exclude.end());
  for (const std::string& rule : exclude) {
    if (lint::FindRule(rule) == nullptr) {
      Usage(fmt::format("unknown rule \"{}\" in --exclude (see --list-rules)", rule));
    }
    run.options.excluded_rules.insert(rule);
  }
  if (config) run.options.severities = config->severity;
  std::string fail_on = !flags.fail_on.empty()      ? flags.fail_on
                        : config && config->fail_on ? *config->fail_on
                                                    : "warning";
  run.fail_on = lint::ParseSeverity(fail_on);
  if (run.list_rules) return run;
  std::vector<std::string> paths = flags.paths;
  std::vector<std::string> exclude_paths = flags.exclude_paths;
  if (config) {
    if (paths.empty()) paths = config->paths;
    exclude_paths.insert(exclude_paths.end(), config->exclude_paths.begin(),
                         config->exclude_paths.end());
  }
  if (paths.empty()) {
    Usage("give SQL files or directories to lint (- for standard input), or `paths` in " +
          std::string(lint::kConfigFileName));
  }
  run.files = CollectFiles(paths, exclude_paths);
  return run;
}

Result<std::string> ReadInput(const std::string& file) {
  std::stringstream text;
  if (file == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return IoError(fmt::format("cannot read {}", file));
  text << in.rdbuf();
  if (in.bad()) return IoError(fmt::format("cannot read {}", file));
  return text.str();
}

std::string ListRules(const std::string& format) {
  if (format == "json") {
    nlohmann::ordered_json rules = nlohmann::ordered_json::array();
    for (const lint::RuleInfo& rule : lint::AllRules()) {
      rules.push_back({{"id", rule.id},
                       {"severity", lint::SeverityName(rule.severity)},
                       {"summary", rule.summary},
                       {"safe_way", rule.safe_way}});
    }
    return rules.dump(2) + "\n";
  }
  std::string out;
  for (const lint::RuleInfo& rule : lint::AllRules()) {
    out +=
        fmt::format("{:<38} {:<8} {}\n", rule.id, lint::SeverityName(rule.severity), rule.summary);
  }
  return out;
}

Status RunLint(const LintRun& run) {
  if (run.list_rules) {
    std::cout << ListRules(run.format);
    return Status::Ok();
  }
  lint::Linter linter(run.options);
  std::vector<lint::Finding> findings;
  for (const std::string& file : run.files) {
    ZS_ASSIGN_OR_RETURN(std::string text, ReadInput(file));
    std::vector<lint::Finding> found = linter.LintText(text, file == "-" ? run.stdin_name : file);
    findings.insert(findings.end(), std::make_move_iterator(found.begin()),
                    std::make_move_iterator(found.end()));
  }
  if (run.format == "json") {
    std::cout << lint::FormatJson(findings);
  } else if (run.format == "sarif") {
    std::cout << lint::FormatSarif(findings, kBuildVersion);
  } else if (run.format == "github") {
    std::cout << lint::FormatGithub(findings);
  } else {
    std::cout << lint::FormatText(findings, static_cast<int>(run.files.size()), run.color);
  }
  std::cout.flush();
  if (!run.fail_on) return Status::Ok();
  size_t failing = std::count_if(findings.begin(), findings.end(), [&](const lint::Finding& f) {
    return f.severity >= *run.fail_on;
  });
  if (failing == 0) return Status::Ok();
  return InvalidInput(fmt::format("lint: {} finding{} at or above {} (--fail-on)", failing,
                                  failing == 1 ? "" : "s", lint::SeverityName(*run.fail_on)));
}

constexpr const char* kLintDescription =
    "zeroshift lint: check SQL migration files for dangerous locks, table rewrites and changes "
    "that break running clients";

}  // namespace

const CLI::App& LintParserForDocs() {
  static LintFlags flags;
  static const std::unique_ptr<CLI::App> parser = [] {
    auto app = std::make_unique<CLI::App>(kLintDescription, "zeroshift lint");
    AddLintFlags(*app, flags);
    return app;
  }();
  return *parser;
}

void RegisterLint(CLI::App& app, GlobalOptions& /*options*/, Runner& run) {
  auto* cmd = app.add_subcommand(
      "lint",
      "check SQL migration files for statements that take dangerous locks, rewrite tables or "
      "break running clients, with the safe way (zeroshift lint --help for its flags)");
  // Everything after `lint` reaches the parser below untouched.
  cmd->prefix_command();
  cmd->fallthrough(false);
  cmd->set_help_flag();
  cmd->callback([cmd, &run] {
    std::vector<std::string> args = cmd->remaining();
    CLI::App parser{kLintDescription, "zeroshift lint"};
    auto flags = std::make_shared<LintFlags>();
    AddLintFlags(parser, *flags);
    try {
      parser.parse(std::vector<std::string>(args.rbegin(), args.rend()));
    } catch (const CLI::CallForHelp&) {
      std::string help = parser.help();
      run = [help] {
        std::cout << help;
        return Status::Ok();
      };
      return;
    } catch (const CLI::ParseError& e) {
      Usage(std::string(e.what()) + " (zeroshift lint --help lists the flags)");
    }
    auto resolved = std::make_shared<LintRun>(Resolve(*flags));
    run = [resolved] { return RunLint(*resolved); };
  });
}

}  // namespace zs::cli
