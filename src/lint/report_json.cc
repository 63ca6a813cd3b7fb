#include <nlohmann/json.hpp>

#include "lint/report.h"

namespace zs::lint {

std::string FormatJson(const std::vector<Finding>& findings) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const Finding& f : findings) {
    nlohmann::ordered_json j = {
        {"file", f.file},
        {"line", f.line},
        {"column", f.column},
        {"end_line", f.end_line},
        {"end_column", f.end_column},
        {"rule", f.rule},
        {"severity", std::string(SeverityName(f.severity))},
        {"message", f.message},
        {"help", f.help},
    };
    if (!f.rewrite.empty()) j["rewrite"] = f.rewrite;
    out.push_back(std::move(j));
  }
  // replace: a file with invalid UTF-8 must still give valid JSON.
  return out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace zs::lint
