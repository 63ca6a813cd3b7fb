// zeroshift convert FILE.sql: prints the equivalent pgroll-format migration
// (YAML, or JSON with --json); warnings about what to check by hand go to stderr.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "cli/app.h"
#include "convert/convert.h"

namespace zs::cli {
namespace {

struct ConvertFlags {
  std::string file;
  bool json = false;
  std::string name;
  std::string output;
};

// The folder -o writes into must exist: say which one is missing, before
// the migration is converted.
Status CheckOutputFolder(const std::string& output) {
  std::filesystem::path folder = std::filesystem::path(output).parent_path();
  if (folder.empty()) return Status::Ok();
  std::error_code ec;
  if (std::filesystem::is_directory(folder, ec)) return Status::Ok();
  if (std::filesystem::exists(folder, ec)) {
    return IoError(fmt::format("cannot write {}: {} is not a folder; choose another -o path",
                               output, folder.string()));
  }
  return IoError(
      fmt::format("cannot write {}: folder {} does not exist; create it (mkdir -p {}) "
                  "or choose another -o path",
                  output, folder.string(), folder.string()));
}

Status RunConvert(const ConvertFlags& flags) {
  if (!flags.output.empty()) ZS_RETURN_IF_ERROR(CheckOutputFolder(flags.output));
  std::stringstream text;
  if (flags.file == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(flags.file, std::ios::binary);
    if (!in) return IoError(fmt::format("cannot read {}", flags.file));
    text << in.rdbuf();
  }
  ZS_ASSIGN_OR_RETURN(convert::Conversion conversion,
                      convert::ConvertSql(text.str(), flags.file == "-" ? "stdin" : flags.file));
  conversion.migration.name = flags.name;
  for (const std::string& warning : conversion.warnings) {
    std::cerr << "zeroshift convert: warning: " << warning << "\n";
  }
  std::string out = flags.json ? convert::ToPrettyJson(conversion.migration)
                               : convert::ToYaml(conversion.migration);
  if (flags.output.empty()) {
    std::cout << out;
    return Status::Ok();
  }
  ZS_RETURN_IF_ERROR(CheckOutputFolder(flags.output));
  std::ofstream file(flags.output, std::ios::binary);
  file << out;
  if (!file) {
    return IoError(fmt::format("cannot write {}; check that its folder is writable and has space",
                               flags.output));
  }
  return Status::Ok();
}

}  // namespace

void RegisterConvert(CLI::App& app, GlobalOptions& /*options*/, Runner& run) {
  auto* cmd = app.add_subcommand(
      "convert",
      "turn a plain SQL migration into the equivalent zeroshift (pgroll-format) migration, "
      "printed as YAML");
  auto flags = std::make_shared<ConvertFlags>();
  cmd->add_option("file", flags->file, "the SQL file (- reads standard input)")->required();
  cmd->add_flag("--json", flags->json, "print JSON instead of YAML");
  cmd->add_option("--name", flags->name,
                  "the migration's name (default: the name of the file you save it to)");
  cmd->add_option("-o,--output", flags->output, "write the migration to this file");
  cmd->callback([&run, flags] { run = [flags] { return RunConvert(*flags); }; });
}

}  // namespace zs::cli
