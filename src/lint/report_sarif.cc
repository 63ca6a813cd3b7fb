#include <nlohmann/json.hpp>

#include "lint/report.h"
#include "lint/rules.h"

namespace zs::lint {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kSchema = "https://json.schemastore.org/sarif-2.1.0.json";
constexpr std::string_view kInformationUri = "https://github.com/zeroshift/zeroshift#lint";

std::string_view Level(Severity severity) {
  switch (severity) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kInfo:
      return "note";
  }
  return "error";
}

Json RuleDescriptors() {
  Json rules = Json::array();
  for (const RuleInfo& rule : AllRules()) {
    rules.push_back({
        {"id", rule.id},
        {"shortDescription", {{"text", rule.summary}}},
        {"help", {{"text", rule.safe_way}}},
        {"defaultConfiguration", {{"level", Level(rule.severity)}}},
    });
  }
  return rules;
}

int RuleIndex(std::string_view id) {
  int index = 0;
  for (const RuleInfo& rule : AllRules()) {
    if (rule.id == id) return index;
    ++index;
  }
  return -1;
}

}  // namespace

std::string FormatSarif(const std::vector<Finding>& findings, std::string_view tool_version) {
  Json results = Json::array();
  for (const Finding& f : findings) {
    std::string text = f.message;
    if (!f.help.empty()) text += "\nSafe way: " + f.help;
    if (!f.rewrite.empty()) text += "\nInstead:\n" + f.rewrite;
    Json result = {
        {"ruleId", f.rule},
        {"ruleIndex", RuleIndex(f.rule)},
        {"level", Level(f.severity)},
        {"message", {{"text", text}}},
        {"locations",
         Json::array(
             {{{"physicalLocation",
                {{"artifactLocation", {{"uri", f.file}}},
                 {"region",
                  {{"startLine", f.line},
                   {"startColumn", f.column},
                   {"endLine", std::max(f.end_line, f.line)},
                   {"endColumn",
                    f.end_line > f.line ? f.end_column : std::max(f.end_column, f.column)}}}}}}})},
    };
    results.push_back(std::move(result));
  }
  Json sarif = {
      {"$schema", kSchema},
      {"version", "2.1.0"},
      {"runs", Json::array({{
                   {"tool",
                    {{"driver",
                      {{"name", "zeroshift-lint"},
                       {"informationUri", kInformationUri},
                       {"version", tool_version},
                       {"rules", RuleDescriptors()}}}}},
                   {"columnKind", "unicodeCodePoints"},
                   {"results", std::move(results)},
               }})},
  };
  return sarif.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace zs::lint
