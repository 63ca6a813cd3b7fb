#include "servers/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>

namespace zs::servers {

namespace fs = std::filesystem;

std::string ErrnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) close(fd_);
}

Result<pid_t> SpawnInRoot(const std::vector<std::string>& argv, int output_fd) {
  SpawnFileActions actions;
  posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(actions.get(), output_fd, 1);
  posix_spawn_file_actions_adddup2(actions.get(), output_fd, 2);
  posix_spawn_file_actions_addchdir_np(actions.get(), "/");
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], actions.get(), nullptr, args.data(), environ);
  if (rc != 0) return IoError("cannot run " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

int WaitForExitCode(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Result<CommandOutput> RunCommand(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return IoError(ErrnoText("pipe"));
  FileDescriptor read_end(fds[0]);
  pid_t pid = -1;
  {
    FileDescriptor write_end(fds[1]);
    ZS_ASSIGN_OR_RETURN(pid, SpawnInRoot(argv, write_end.get()));
  }
  CommandOutput result;
  char buffer[4096];
  ssize_t n;
  while ((n = read(read_end.get(), buffer, sizeof buffer)) != 0) {
    if (n > 0) result.output.append(buffer, static_cast<size_t>(n));
    if (n < 0 && errno != EINTR) break;
  }
  result.exit_code = WaitForExitCode(pid);
  if (result.exit_code < 0) return IoError(ErrnoText("waitpid " + argv[0]));
  return result;
}

Result<std::string> RunChecked(const std::vector<std::string>& argv) {
  ZS_ASSIGN_OR_RETURN(CommandOutput out, RunCommand(argv));
  if (out.exit_code != 0) {
    std::string command;
    for (const auto& arg : argv) command += (command.empty() ? "" : " ") + arg;
    return IoError(command + " exited with " + std::to_string(out.exit_code) + ": " + out.output);
  }
  return out.output;
}

Result<SystemUser> ServerSystemUser(const std::string& name, const std::string& missing) {
  SystemUser user{.name = name, .switch_user = false, .uid = geteuid(), .gid = getegid()};
  if (user.uid != 0) return user;
  const passwd* pw = getpwnam(name.c_str());
  if (pw == nullptr) return IoError(missing);
  return SystemUser{.name = name, .switch_user = true, .uid = pw->pw_uid, .gid = pw->pw_gid};
}

Status ChownTree(const SystemUser& user, const fs::path& root) {
  if (!user.switch_user) return Status::Ok();
  if (lchown(root.c_str(), user.uid, user.gid) != 0) {
    return IoError(ErrnoText("chown " + root.string()));
  }
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (lchown(it->path().c_str(), user.uid, user.gid) != 0) {
      return IoError(ErrnoText("chown " + it->path().string()));
    }
  }
  if (ec) return IoError("walking " + root.string() + ": " + ec.message());
  return Status::Ok();
}

std::string TempParent() {
  const char* tmpdir = std::getenv("TMPDIR");
  return (tmpdir != nullptr && *tmpdir != '\0') ? tmpdir : "/tmp";
}

Result<std::string> MakeTempDir(const std::string& parent, const std::string& prefix) {
  std::string pattern = parent + "/" + prefix + "XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) return IoError(ErrnoText("mkdtemp " + pattern));
  return std::string(buffer.data());
}

Result<int> FreeLoopbackPort() {
  FileDescriptor sock(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) return IoError(ErrnoText("socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return IoError(ErrnoText("bind 127.0.0.1:0"));
  }
  socklen_t len = sizeof addr;
  if (getsockname(sock.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return IoError(ErrnoText("getsockname"));
  }
  return static_cast<int>(ntohs(addr.sin_port));
}

std::string ReadFileFrom(const std::string& path, std::streamoff offset) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(offset);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string LastLines(const std::string& text, size_t count) {
  std::deque<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    if (lines.size() > count) lines.pop_front();
  }
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

std::string PercentEncode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

}  // namespace zs::servers
