#include "fleet/journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace zs::fleet {

namespace {

constexpr std::array<std::pair<JournalState, std::string_view>, 8> kJournalStateNames = {{
    {JournalState::kPending, "pending"},
    {JournalState::kStarting, "starting"},
    {JournalState::kStarted, "started"},
    {JournalState::kCompleting, "completing"},
    {JournalState::kCompleted, "completed"},
    {JournalState::kRollingBack, "rolling_back"},
    {JournalState::kRolledBack, "rolled_back"},
    {JournalState::kFailed, "failed"},
}};

std::string JournalNowUtc() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text.data();
}

// A migration name as a file name part: anything unusual becomes '_'.
std::string JournalFilePart(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == '-';
    if (!plain) c = '_';
  }
  return out;
}

nlohmann::json JournalEntryJson(const JournalEntry& e) {
  return {{"target", e.target}, {"state", JournalStateName(e.state)},
          {"canary", e.canary}, {"started_by_fleet", e.started_by_fleet},
          {"error", e.error},   {"updated_at", e.updated_at}};
}

Result<JournalEntry> JournalEntryFromJson(const nlohmann::json& j) {
  JournalEntry e;
  e.target = j.at("target").get<std::string>();
  ZS_ASSIGN_OR_RETURN(e.state, JournalStateFromName(j.at("state").get<std::string>()));
  e.canary = j.value("canary", false);
  e.started_by_fleet = j.value("started_by_fleet", false);
  e.error = j.value("error", "");
  e.updated_at = j.value("updated_at", "");
  return e;
}

// The entries of the journal file at `path` for `migration`; nullopt when the
// file does not exist.
Result<std::optional<std::vector<JournalEntry>>> JournalParseFile(const std::string& path,
                                                                  const std::string& migration) {
  std::ifstream in(path);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::optional<std::vector<JournalEntry>>();
    return IoError(fmt::format("cannot read the fleet journal {}", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    nlohmann::json j = nlohmann::json::parse(text.str());
    std::string stored = j.at("migration").get<std::string>();
    if (stored != migration) {
      return Conflict(fmt::format(
          "the fleet journal {} is migration \"{}\"'s, not \"{}\"'s; give another --journal", path,
          stored, migration));
    }
    std::vector<JournalEntry> entries;
    for (const nlohmann::json& entry : j.at("targets")) {
      ZS_ASSIGN_OR_RETURN(JournalEntry parsed, JournalEntryFromJson(entry));
      entries.push_back(std::move(parsed));
    }
    return std::optional<std::vector<JournalEntry>>(std::move(entries));
  } catch (const nlohmann::json::exception& e) {
    return InvalidInput(fmt::format(
        "the fleet journal {} is not valid ({}); it is written whole or not at all, so it was "
        "edited: restore it or move it away to start the fleet afresh",
        path, e.what()));
  }
}

}  // namespace

std::string_view JournalStateName(JournalState state) {
  for (const auto& [value, name] : kJournalStateNames) {
    if (value == state) return name;
  }
  return "unknown";
}

Result<JournalState> JournalStateFromName(std::string_view name) {
  for (const auto& [value, stored] : kJournalStateNames) {
    if (stored == name) return value;
  }
  return InvalidInput(fmt::format(
      "unknown fleet journal state \"{}\" (written by a newer zeroshift?); use that version",
      name));
}

std::string Journal::DefaultPath(const std::string& targets_file, const std::string& migration) {
  return targets_file + "." + JournalFilePart(migration) + ".fleet-journal.json";
}

Journal::Journal(std::string path, std::string migration, int lock_fd)
    : path_(std::move(path)), migration_(std::move(migration)), lock_fd_(lock_fd) {}

Journal::~Journal() {
  if (lock_fd_ >= 0) close(lock_fd_);  // frees the flock
}

Result<std::unique_ptr<Journal>> Journal::Open(const std::string& path,
                                               const std::string& migration,
                                               const std::vector<std::string>& targets) {
  std::string lock_path = path + ".lock";
  int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return IoError(fmt::format("cannot open the fleet journal's lock {}", lock_path));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return Conflict(
        fmt::format("another fleet runner holds {} (its lock {}); wait for it, or stop it first",
                    path, lock_path));
  }
  std::unique_ptr<Journal> journal(new Journal(path, migration, fd));
  ZS_RETURN_IF_ERROR(journal->Load());
  std::lock_guard lock(journal->mutex_);
  for (const std::string& target : targets) {
    bool known = false;
    for (const JournalEntry& e : journal->entries_) known = known || e.target == target;
    if (!known) journal->entries_.push_back({.target = target, .updated_at = JournalNowUtc()});
  }
  ZS_RETURN_IF_ERROR(journal->Save());
  return journal;
}

Status Journal::Load() {
  ZS_ASSIGN_OR_RETURN(auto entries, JournalParseFile(path_, migration_));
  std::lock_guard lock(mutex_);
  if (entries) entries_ = std::move(*entries);
  return Status::Ok();
}

Status Journal::Save() const {
  nlohmann::json targets = nlohmann::json::array();
  for (const JournalEntry& e : entries_) targets.push_back(JournalEntryJson(e));
  nlohmann::json j = {
      {"zeroshift_fleet_journal", 1}, {"migration", migration_}, {"targets", targets}};
  std::string text = j.dump(2) + "\n";
  std::string tmp = path_ + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError(fmt::format("cannot write the fleet journal {}", tmp));
  bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  // Synced before the rename: after a crash the new name holds the new text.
  bool synced = written && fsync(fd) == 0;
  close(fd);
  if (!synced || rename(tmp.c_str(), path_.c_str()) != 0) {
    return IoError(fmt::format("cannot write the fleet journal {}", path_));
  }
  return Status::Ok();
}

Status Journal::Update(const std::string& target,
                       const std::function<void(JournalEntry&)>& change) {
  std::lock_guard lock(mutex_);
  for (JournalEntry& e : entries_) {
    if (e.target != target) continue;
    change(e);
    e.updated_at = JournalNowUtc();
    return Save();
  }
  return Internal(fmt::format("target \"{}\" is not in the fleet journal {}", target, path_));
}

Status Journal::Set(const std::string& target, JournalState state, const std::string& error) {
  return Update(target, [&](JournalEntry& e) {
    e.state = state;
    e.error = error;
  });
}

JournalEntry Journal::Entry(const std::string& target) const {
  std::lock_guard lock(mutex_);
  for (const JournalEntry& e : entries_) {
    if (e.target == target) return e;
  }
  return {.target = target};
}

std::vector<JournalEntry> Journal::Entries() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

Result<std::optional<std::vector<JournalEntry>>> ReadJournal(const std::string& path,
                                                             const std::string& migration) {
  return JournalParseFile(path, migration);
}

}  // namespace zs::fleet
