#include "gate/command_runner.hpp"

#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>

extern char** environ;  // NOLINT: POSIX, for posix_spawn

namespace signet::gate {
namespace {

constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

sigset_t make_set() {
  sigset_t set;
  sigemptyset(&set);
  for (const int sig : kForwarded) sigaddset(&set, sig);
  sigaddset(&set, SIGCHLD);
  return set;
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Owns a posix_spawnattr_t.
class SpawnAttributes {
 public:
  SpawnAttributes() { ok_ = posix_spawnattr_init(&attr_) == 0; }
  ~SpawnAttributes() {
    if (ok_) posix_spawnattr_destroy(&attr_);
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  // The command starts with no signal blocked. Dispositions are left alone: the gate installs no
  // handlers, so what it inherited as ignored (nohup's SIGHUP) stays ignored for the command.
  bool configure() {
    if (!ok_) return false;
    sigset_t empty;
    sigemptyset(&empty);
    return posix_spawnattr_setsigmask(&attr_, &empty) == 0 &&
           posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGMASK) == 0;
  }
  [[nodiscard]] const posix_spawnattr_t* get() const noexcept { return &attr_; }

 private:
  posix_spawnattr_t attr_{};
  bool ok_ = false;
};

}  // namespace

const sigset_t& ForwardedSignals::set() noexcept {
  static const sigset_t set = make_set();
  return set;
}

ForwardedSignals::ForwardedSignals() { pthread_sigmask(SIG_BLOCK, &set(), &previous_); }

ForwardedSignals::~ForwardedSignals() {
  // Drop what is still pending (a SIGCHLD from the finished command) before unblocking.
  const timespec zero{};
  while (sigtimedwait(&set(), nullptr, &zero) > 0) {
  }
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

std::optional<int> ForwardedSignals::take_pending() const {
  const timespec zero{};
  while (true) {
    const int sig = sigtimedwait(&set(), nullptr, &zero);
    if (sig <= 0) return std::nullopt;
    if (sig != SIGCHLD) return sig;
  }
}

Result<std::string> resolve_command(const std::string& name) {
  if (name.empty()) return fail(Errc::kUsage, "no command given after --");
  if (name.find('/') != std::string::npos) {
    if (!is_executable_file(name)) {
      return fail(Errc::kUsage, "command " + name + " is not an executable file");
    }
    return name;
  }
  const char* path_env = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): read only
  const std::string path = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    const std::string dir = end == start ? "." : path.substr(start, end - start);
    const std::string candidate = (std::filesystem::path(dir) / name).string();
    if (is_executable_file(candidate)) return candidate;
    start = end + 1;
  }
  return fail(Errc::kUsage, "command " + name + " not found on PATH");
}

Result<CommandResult> ProcessRunner::run(const std::vector<std::string>& argv) {
  if (argv.empty()) return fail(Errc::kUsage, "no command given");
  // Without the mask a forwarded signal would take its default action on the gate instead.
  sigset_t current;
  pthread_sigmask(SIG_BLOCK, nullptr, &current);
  for (const int sig : kForwarded) {
    if (sigismember(&current, sig) != 1) {
      return fail(Errc::kInternal, "ProcessRunner::run needs ForwardedSignals in this thread");
    }
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  SpawnAttributes attributes;
  if (!attributes.configure()) return fail(Errc::kIo, "cannot set up the command's attributes");
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], nullptr, attributes.get(), args.data(), environ);
  if (rc != 0) return fail(Errc::kIo, "cannot start " + argv[0] + ": " + std::strerror(rc));

  CommandResult result;
  const timespec tick{0, 50'000'000};  // waitpid is polled too: a SIGCHLD may go to another thread
  while (true) {
    siginfo_t info{};
    const int sig = sigtimedwait(&ForwardedSignals::set(), &info, &tick);
    if (sig > 0 && sig != SIGCHLD) {
      // A terminal's ^C already reached the command (same process group): forward only what a
      // process sent to the gate (kill, systemd, a supervisor).
      if (info.si_code != SI_KERNEL) {
        ::kill(pid, sig);
        result.forwarded.push_back(sig);
      }
      continue;
    }
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      if (WIFEXITED(status)) {
        result.exit_status = WEXITSTATUS(status);
      } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
        result.exit_status = 128 + *result.signal;
      }
      break;
    }
    if (done < 0 && errno != EINTR) {
      return fail(Errc::kIo, "waiting for " + argv[0] + ": " + std::strerror(errno));
    }
  }
  return result;
}

}  // namespace signet::gate
