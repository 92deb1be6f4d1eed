// Runs one command of a validation: an enforcement point being tested (signet verify, signet gate
// download, a vendor tool) or the gate daemon itself. No shell; stdin is /dev/null, stdout and
// stderr go to files (kept as evidence); a command that outlives its timeout is killed with its
// process group, so a hung point cannot hang the validation.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace signet::validate {

struct ChildSpec {
  std::vector<std::string> argv;  // argv[0]: path, or looked up on PATH
  std::vector<std::pair<std::string, std::string>> env_extra;  // added to (or replacing) environ
  std::filesystem::path stdout_file;
  std::filesystem::path stderr_file;
  std::filesystem::path cwd;  // "" = validate's own
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
};

struct ChildResult {
  int exit_status = 0;     // exit code, or 128 + N when killed by signal N
  bool timed_out = false;  // killed by validate after the timeout
  std::chrono::milliseconds elapsed{0};
};

// Errc::kIo when the command cannot be started (not found, not executable).
[[nodiscard]] Result<ChildResult> run_child(const ChildSpec& spec);

// A child that runs in the background until stop() (a gate daemon); killed with its process
// group on destruction.
class BackgroundChild {
 public:
  [[nodiscard]] static Result<BackgroundChild> start(const ChildSpec& spec);
  BackgroundChild(BackgroundChild&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}
  BackgroundChild& operator=(BackgroundChild&& other) noexcept;
  BackgroundChild(const BackgroundChild&) = delete;
  BackgroundChild& operator=(const BackgroundChild&) = delete;
  ~BackgroundChild() { (void)stop(std::chrono::seconds(5)); }

  [[nodiscard]] bool running();
  // SIGTERM, then SIGKILL after `grace`; returns the exit status (nullopt if never started).
  std::optional<int> stop(std::chrono::milliseconds grace);
  [[nodiscard]] int pid() const noexcept { return pid_; }

 private:
  explicit BackgroundChild(int pid) : pid_(pid) {}
  int pid_ = -1;
};

// Replaces every "{NAME}" of `args` with its value.
[[nodiscard]] std::vector<std::string> substitute(
    const std::vector<std::string>& args,
    const std::vector<std::pair<std::string, std::string>>& values);

}  // namespace signet::validate
