// `zeroshift drift`: compare the live schema with what the migration history
// says it should be, list every difference, exit 1 when there is any.
#include <iostream>

#include <fmt/format.h>

#include "cli/app.h"
#include "history/drift.h"

namespace zs::cli {

namespace {

Status Drift(const GlobalOptions& options, bool json) {
  GlobalOptions quiet = options;
  quiet.quiet = true;
  ZS_ASSIGN_OR_RETURN(engine::Engine engine, ConnectEngine(quiet));
  ZS_RETURN_IF_ERROR(engine.RequireInitialized());
  ZS_ASSIGN_OR_RETURN(auto records, engine.History());
  ZS_ASSIGN_OR_RETURN(history::Reference reference, history::ReferenceSchema(records));
  ZS_ASSIGN_OR_RETURN(schema::Schema live, schema::ReadSchema(engine.session(), engine.schema()));
  std::vector<history::Difference> differences = history::Diff(reference.schema, live);
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& d : differences) list.push_back(history::ToJson(d));
    nlohmann::json out{{"schema", engine.schema()},
                       {"compared_with", reference.migration},
                       {"recorded", reference.source},
                       {"drift", !differences.empty()},
                       {"differences", list}};
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << fmt::format("schema \"{}\" compared with migration {} ({}): ", engine.schema(),
                             reference.migration, reference.source);
    std::cout << (differences.empty() ? "no drift\n"
                                      : fmt::format("{} difference{}\n", differences.size(),
                                                    differences.size() == 1 ? "" : "s"));
    for (const auto& d : differences) std::cout << "  " << history::ToString(d) << "\n";
  }
  if (differences.empty()) return Status::Ok();
  return Status(
      Code::kInvalidInput,
      fmt::format("schema \"{}\" has drifted from its migration history ({} "
                  "difference{}); put the change in a migration, or record the "
                  "current schema with `zeroshift baseline`",
                  engine.schema(), differences.size(), differences.size() == 1 ? "" : "s"));
}

}  // namespace

void RegisterDrift(CLI::App& app, GlobalOptions& options, Runner& run) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "drift",
      "compare the live schema with the one the migration history recorded and list every "
      "difference (tables, columns, constraints, indexes, comments); exit 1 when they differ");
  cmd->add_flag("--json", *json, "print the differences as JSON");
  cmd->callback([&options, &run, json] {
    run = [&options, json]() -> Status { return Drift(options, *json); };
  });
}

}  // namespace zs::cli
