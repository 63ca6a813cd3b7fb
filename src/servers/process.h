// What starting a throwaway database server needs from the operating system,
// shared by PostgreSQL's (temp_cluster) and MariaDB's (mariadb_server): running
// a command without a shell, the system user a server runs as when we are
// root, temporary directories, a free loopback port, reading its log.
#pragma once

#include <spawn.h>
#include <sys/types.h>

#include <filesystem>
#include <ios>
#include <string>
#include <vector>

#include "core/status.h"

namespace zs::servers {

// "what: <strerror(errno)>".
std::string ErrnoText(const std::string& what);

// Closes a file descriptor on scope exit.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd = -1) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor();
  int get() const { return fd_; }

 private:
  int fd_;
};

// posix_spawn_file_actions_t, destroyed on scope exit.
class SpawnFileActions {
 public:
  SpawnFileActions() { posix_spawn_file_actions_init(&actions_); }
  ~SpawnFileActions() { posix_spawn_file_actions_destroy(&actions_); }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

// Spawns argv[0] (looked up in PATH) in "/" (a server's system user may not be
// allowed into the caller's working directory), stdin from /dev/null, stdout
// and stderr to `output_fd`. No shell is involved.
Result<pid_t> SpawnInRoot(const std::vector<std::string>& argv, int output_fd);

// The exit code of a child that ended (128 + signal when killed), waiting for it.
// -1 when waitpid fails.
int WaitForExitCode(pid_t pid);

struct CommandOutput {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved
};

// Runs argv to completion as SpawnInRoot does, capturing its output.
Result<CommandOutput> RunCommand(const std::vector<std::string>& argv);

// Runs a command that must exit 0; the error names it and carries its output.
Result<std::string> RunChecked(const std::vector<std::string>& argv);

// Who runs a server: ourselves, or `name` (postgres, mysql) when we are root,
// since neither server runs as root.
struct SystemUser {
  std::string name;
  bool switch_user = false;  // we are root: the server runs as `name`
  uid_t uid = 0;
  gid_t gid = 0;
};
// `missing` says what to do when we are root and `name` does not exist.
Result<SystemUser> ServerSystemUser(const std::string& name, const std::string& missing);

// chown -R of `root` to the user when switch_user; nothing otherwise.
Status ChownTree(const SystemUser& user, const std::filesystem::path& root);

// $TMPDIR, or /tmp.
std::string TempParent();
// mkdtemp of parent/prefixXXXXXX.
Result<std::string> MakeTempDir(const std::string& parent, const std::string& prefix);

// A port free right now on 127.0.0.1. Another process may take it before the
// server binds it: callers retry on a clash.
Result<int> FreeLoopbackPort();

// The file's bytes from `offset` on ("" when it cannot be read).
std::string ReadFileFrom(const std::string& path, std::streamoff offset = 0);
// The last `count` lines of `text`, each ending in a newline.
std::string LastLines(const std::string& text, size_t count);
// "%xx"-escapes everything but RFC 3986 unreserved characters.
std::string PercentEncode(const std::string& text);

}  // namespace zs::servers
