#include "validate/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <thread>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not in a header

namespace signet::validate {
namespace {

using Clock = std::chrono::steady_clock;

int status_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 255;
}

// RAII for the posix_spawn attribute and file-action objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

Result<int> spawn(const ChildSpec& spec) {
  if (spec.argv.empty()) return fail(Errc::kUsage, "empty command");
  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  const std::string out = spec.stdout_file.empty() ? "/dev/null" : spec.stdout_file.string();
  const std::string err = spec.stderr_file.empty() ? "/dev/null" : spec.stderr_file.string();
  posix_spawn_file_actions_addopen(&setup.actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0640);
  posix_spawn_file_actions_addopen(&setup.actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0640);
  const std::string cwd = spec.cwd.string();
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&setup.actions, cwd.c_str());
  // Its own process group (so a timeout kills the tool it started too), no blocked signals, and
  // default dispositions, whatever validate's own threads have.
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD})
    sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&setup.attr, &empty);
  posix_spawnattr_setsigdefault(&setup.attr, &defaults);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [key, value] : spec.env_extra) env[key] = value;
  std::vector<std::string> env_strings;
  env_strings.reserve(env.size());
  for (const auto& [key, value] : env) env_strings.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = -1;
  const int rc =
      args.front().find('/') == std::string::npos
          ? posix_spawnp(&pid, argv[0], &setup.actions, &setup.attr, argv.data(), envp.data())
          : posix_spawn(&pid, argv[0], &setup.actions, &setup.attr, argv.data(), envp.data());
  if (rc != 0) {
    return fail(Errc::kIo, "cannot run " + args.front() + ": " + std::strerror(rc));
  }
  return static_cast<int>(pid);
}

// Waits for pid until `deadline`; nullopt on timeout.
std::optional<int> wait_until(int pid, Clock::time_point deadline) {
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    int wait_status = 0;
    const pid_t got = ::waitpid(pid, &wait_status, WNOHANG);
    if (got == pid) return status_of(wait_status);
    if (got < 0 && errno != EINTR) return 255;  // not our child any more: nothing to wait for
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

int kill_and_reap(int pid) {
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  return status_of(wait_status);
}

}  // namespace

Result<ChildResult> run_child(const ChildSpec& spec) {
  const auto start = Clock::now();
  auto pid = spawn(spec);
  if (!pid) return std::unexpected(pid.error());
  ChildResult result;
  if (auto status = wait_until(*pid, start + spec.timeout)) {
    result.exit_status = *status;
  } else {
    result.timed_out = true;
    result.exit_status = kill_and_reap(*pid);
  }
  // Whatever the point left running in its group (a tool that forked) goes too.
  ::kill(-*pid, SIGKILL);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return result;
}

Result<BackgroundChild> BackgroundChild::start(const ChildSpec& spec) {
  auto pid = spawn(spec);
  if (!pid) return std::unexpected(pid.error());
  return BackgroundChild(*pid);
}

BackgroundChild& BackgroundChild::operator=(BackgroundChild&& other) noexcept {
  if (this != &other) {
    (void)stop(std::chrono::seconds(5));
    pid_ = std::exchange(other.pid_, -1);
  }
  return *this;
}

bool BackgroundChild::running() {
  if (pid_ < 0) return false;
  int wait_status = 0;
  const pid_t got = ::waitpid(pid_, &wait_status, WNOHANG);
  if (got == pid_) pid_ = -1;  // reaped: nothing left to stop
  return got == 0;
}

std::optional<int> BackgroundChild::stop(std::chrono::milliseconds grace) {
  if (pid_ < 0) return std::nullopt;
  const int pid = std::exchange(pid_, -1);
  ::kill(pid, SIGTERM);
  if (auto status = wait_until(pid, Clock::now() + grace)) {
    ::kill(-pid, SIGKILL);
    return status;
  }
  return kill_and_reap(pid);
}

std::vector<std::string> substitute(
    const std::vector<std::string>& args,
    const std::vector<std::pair<std::string, std::string>>& values) {
  std::vector<std::string> out;
  out.reserve(args.size());
  for (std::string arg : args) {
    for (const auto& [name, value] : values) {
      const std::string placeholder = "{" + name + "}";
      for (auto pos = arg.find(placeholder); pos != std::string::npos;
           pos = arg.find(placeholder, pos + value.size())) {
        arg.replace(pos, placeholder.size(), value);
      }
    }
    out.push_back(std::move(arg));
  }
  return out;
}

}  // namespace signet::validate
