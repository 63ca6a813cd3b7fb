#include "fleet/targets.h"

#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "backend/backend.h"
#include "pg/connection.h"
#include "pg/session.h"

namespace zs::fleet {

namespace {

// Names key the journal and prefix log lines: keep them plain.
bool FleetNameIsPlain(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Checks one (name, url) pair found at `where` ("targets.txt:3").
Status FleetCheckTarget(const Target& target, const std::string& where) {
  if (!FleetNameIsPlain(target.name)) {
    return InvalidInput(
        fmt::format("{}: target name \"{}\" may hold only letters, digits, '_', '.' and '-'", where,
                    target.name));
  }
  if (target.url.empty()) {
    return InvalidInput(fmt::format("{}: target \"{}\" has no URL", where, target.name));
  }
  // SelectBackend's messages never quote the URL.
  Result<const backend::Backend*> backend = backend::SelectBackend(target.url);
  if (!backend.ok()) {
    return backend.status().WithContext(fmt::format("{}: target \"{}\"", where, target.name));
  }
  return Status::Ok();
}

// Refuses an empty fleet and a name used twice.
Status FleetCheckAll(const std::vector<Target>& targets, const std::string& source) {
  if (targets.empty()) return InvalidInput(fmt::format("{}: no targets", source));
  std::set<std::string> seen;
  for (const Target& target : targets) {
    if (!seen.insert(target.name).second) {
      return InvalidInput(fmt::format("{}: target name \"{}\" appears twice; names must be unique",
                                      source, target.name));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<Target>> ParseTargets(std::string_view text, const std::string& source) {
  std::vector<Target> targets;
  std::istringstream in{std::string(text)};
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::istringstream words(line);
    Target target;
    if (!(words >> target.name) || target.name.starts_with("#")) continue;
    std::string where = fmt::format("{}:{}", source, number);
    words >> target.url;
    std::string extra;
    if (words >> extra) {
      return InvalidInput(fmt::format(
          "{}: expected `name url`, found more words after the URL of target \"{}\" (a URL "
          "with spaces must be percent-encoded)",
          where, target.name));
    }
    ZS_RETURN_IF_ERROR(FleetCheckTarget(target, where));
    targets.push_back(std::move(target));
  }
  ZS_RETURN_IF_ERROR(FleetCheckAll(targets, source));
  return targets;
}

Result<std::vector<Target>> LoadTargetsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return IoError(fmt::format("cannot read the targets file {}", path));
  std::stringstream text;
  text << in.rdbuf();
  return ParseTargets(text.str(), path);
}

Result<std::vector<Target>> QueryTargets(const std::string& url, const std::string& sql) {
  std::string source = "--targets-query on " + pg::RedactPassword(url);
  Result<pg::Connection> conn = pg::Connection::Open(url);
  if (!conn.ok()) {
    return Status(conn.status().code(), pg::RedactSecrets(conn.status().message(), url),
                  conn.status().sqlstate())
        .WithContext(source);
  }
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn->Exec(sql));
  if (rows.columns() < 2) {
    return InvalidInput(
        fmt::format("{}: the query must return two columns, a target's name and its URL; it "
                    "returned {}",
                    source, rows.columns()));
  }
  std::vector<Target> targets;
  for (int row = 0; row < rows.size(); ++row) {
    Target target{.name = rows.Get(row, 0), .url = rows.Get(row, 1)};
    ZS_RETURN_IF_ERROR(FleetCheckTarget(target, fmt::format("{}, row {}", source, row + 1)));
    targets.push_back(std::move(target));
  }
  ZS_RETURN_IF_ERROR(FleetCheckAll(targets, source));
  return targets;
}

}  // namespace zs::fleet
