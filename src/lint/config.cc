#include "lint/config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <fstream>
#include <sstream>

#include "lint/rules.h"

namespace zs::lint {
namespace {

constexpr std::array<std::string_view, 7> kKeys = {
    "pg_version", "assume_in_transaction", "fail_on", "exclude", "severity",
    "paths",      "exclude_paths"};

std::string Where(const std::string& path, const YAML::Node& node) {
  const YAML::Mark& mark = node.Mark();
  if (mark.line < 0) return path;
  return fmt::format("{}:{}:{}", path, mark.line + 1, mark.column + 1);
}

Status Error(const std::string& path, const YAML::Node& node, const std::string& message) {
  return InvalidInput(fmt::format("{}: {}", Where(path, node), message));
}

Result<std::vector<std::string>> ReadStringList(const std::string& path, const YAML::Node& node,
                                                std::string_view key) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  if (!node.IsSequence()) {
    return Error(path, node, fmt::format("{} must be a list of strings", key));
  }
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) return Error(path, item, fmt::format("{} must hold strings", key));
    out.push_back(item.Scalar());
  }
  return out;
}

Status CheckRule(const std::string& path, const YAML::Node& node, const std::string& rule) {
  if (FindRule(rule) != nullptr) return Status::Ok();
  return Error(path, node,
               fmt::format("unknown rule \"{}\" (see `zeroshift lint --list-rules`)", rule));
}

std::string Resolve(const std::filesystem::path& base, const std::string& path) {
  std::filesystem::path p(path);
  return p.is_absolute() ? p.string() : (base / p).lexically_normal().string();
}

Status ReadKey(const std::string& path, const std::string& key, const YAML::Node& value,
               LintConfig& config) {
  std::filesystem::path base = std::filesystem::path(path).parent_path();
  if (key == "pg_version") {
    int version = 0;
    if (!value.IsScalar() || !YAML::convert<int>::decode(value, version) || version < 12 ||
        version > 17) {
      return Error(path, value, "pg_version must be a PostgreSQL major version from 12 to 17");
    }
    config.pg_version = version;
  } else if (key == "assume_in_transaction") {
    bool flag = false;
    if (!value.IsScalar() || !YAML::convert<bool>::decode(value, flag)) {
      return Error(path, value, "assume_in_transaction must be true or false");
    }
    config.assume_in_transaction = flag;
  } else if (key == "fail_on") {
    std::string level = value.IsScalar() ? value.Scalar() : "";
    if (level != "none" && !ParseSeverity(level)) {
      return Error(path, value, "fail_on must be error, warning, info or none");
    }
    config.fail_on = level;
  } else if (key == "exclude") {
    ZS_ASSIGN_OR_RETURN(config.exclude, ReadStringList(path, value, key));
    for (const std::string& rule : config.exclude) ZS_RETURN_IF_ERROR(CheckRule(path, value, rule));
  } else if (key == "severity") {
    if (!value.IsMap()) return Error(path, value, "severity must map rule ids to a severity");
    for (const auto& entry : value) {
      std::string rule = entry.first.Scalar();
      ZS_RETURN_IF_ERROR(CheckRule(path, entry.first, rule));
      std::optional<Severity> severity =
          entry.second.IsScalar() ? ParseSeverity(entry.second.Scalar()) : std::nullopt;
      if (!severity) return Error(path, entry.second, "a severity is error, warning or info");
      config.severity[rule] = *severity;
    }
  } else if (key == "paths" || key == "exclude_paths") {
    ZS_ASSIGN_OR_RETURN(std::vector<std::string> list, ReadStringList(path, value, key));
    for (std::string& item : list) item = Resolve(base, item);
    (key == "paths" ? config.paths : config.exclude_paths) = std::move(list);
  }
  return Status::Ok();
}

}  // namespace

Result<LintConfig> ParseLintConfig(const std::string& text, const std::string& path) {
  LintConfig config;
  config.source = path;
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsNull()) return config;
    if (!root.IsMap()) return Error(path, root, "a lint configuration is a mapping of keys");
    for (const auto& entry : root) {
      std::string key = entry.first.Scalar();
      bool known = false;
      for (std::string_view k : kKeys) known |= k == key;
      if (!known) {
        return Error(path, entry.first,
                     fmt::format("unknown key \"{}\" (known: pg_version, assume_in_transaction, "
                                 "fail_on, exclude, severity, paths, exclude_paths)",
                                 key));
      }
      ZS_RETURN_IF_ERROR(ReadKey(path, key, entry.second, config));
    }
  } catch (const YAML::Exception& e) {
    return InvalidInput(
        fmt::format("{}:{}:{}: invalid YAML: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  return config;
}

Result<LintConfig> LoadLintConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(fmt::format("cannot read the lint configuration {}", path));
  std::stringstream text;
  text << in.rdbuf();
  return ParseLintConfig(text.str(), path);
}

std::optional<std::filesystem::path> FindLintConfig(const std::filesystem::path& start) {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(start, ec);
  if (ec) return std::nullopt;
  while (true) {
    std::filesystem::path candidate = dir / kConfigFileName;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
    if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
    dir = dir.parent_path();
  }
}

}  // namespace zs::lint
