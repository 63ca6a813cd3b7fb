// How a doctor report prints: JSON (--json) and text.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "doctor/doctor.h"

namespace zs::doctor {

nlohmann::json Finding::ToJson() const {
  nlohmann::json out{{"kind", kind},
                     {"object", object},
                     {"why", reason},
                     {"fix_sql", fix_sql.empty() ? nlohmann::json() : nlohmann::json(fix_sql)},
                     {"zeroshift_owned", zeroshift_owned}};
  out["active_migration"] =
      active_migration.empty() ? nlohmann::json() : nlohmann::json(active_migration);
  return out;
}

nlohmann::json Report::ToJson() const {
  nlohmann::json out{
      {"schema", schema},
      {"active_migration",
       active_migration.empty() ? nlohmann::json() : nlohmann::json(active_migration)},
      {"findings", nlohmann::json::array()}};
  for (const auto& finding : findings) out["findings"].push_back(finding.ToJson());
  if (!fixed.empty() || !refused.empty()) {
    out["fixed"] = nlohmann::json::array();
    for (const auto& finding : fixed) out["fixed"].push_back(finding.ToJson());
    out["not_fixed"] = nlohmann::json::array();
    for (const auto& [finding, why] : refused) {
      nlohmann::json entry = finding.ToJson();
      entry["not_fixed_because"] = why;
      out["not_fixed"].push_back(std::move(entry));
    }
  }
  return out;
}

namespace {

// "  fix: <first line>" then the other lines aligned under it.
std::string Indented(const std::string& label, const std::string& text) {
  std::string out = "  " + label + ": ";
  std::string pad(out.size(), ' ');
  for (size_t begin = 0; begin <= text.size();) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    out += (begin == 0 ? "" : pad) + text.substr(begin, end - begin) + "\n";
    begin = end + 1;
  }
  return out;
}

std::string FindingText(const Finding& f) {
  std::string out =
      fmt::format("{} {}{}\n", f.kind, f.object,
                  f.kind == kInvalidIndex && !f.zeroshift_owned ? " (not zeroshift's)" : "");
  out += Indented("why", f.reason);
  out += Indented("fix", f.fix_sql.empty() ? "(none: see why)" : f.fix_sql);
  return out;
}

}  // namespace

std::string Report::ToText() const {
  std::string out = fmt::format(
      "schema \"{}\": {}\n", schema,
      active_migration.empty()
          ? std::string("no migration is active")
          : fmt::format("migration \"{}\" is active (step {})", active_migration, active_step));
  for (const auto& finding : fixed) out += "fixed: " + FindingText(finding);
  for (const auto& [finding, why] : refused) {
    out += "not fixed: " + FindingText(finding) + Indented("because", why);
  }
  if (findings.empty()) return out + "no half-applied zeroshift objects found\n";
  out += fmt::format("{} finding{}:\n", findings.size(), findings.size() == 1 ? "" : "s");
  for (const auto& finding : findings) out += FindingText(finding);
  return out;
}

}  // namespace zs::doctor
