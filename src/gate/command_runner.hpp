// Running the vendor's download or flashing tool: fork/exec without a shell (posix_spawn), its
// stdin/stdout/stderr are the gate's, its exit status comes back, and SIGINT/SIGTERM/SIGHUP/
// SIGQUIT sent to the gate while it runs are forwarded to it.
#pragma once

#include <csignal>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace signet::gate {

struct CommandResult {
  int exit_status = 0;         // the exit code, or 128 + N when killed by signal N
  std::optional<int> signal;   // the signal that killed it
  std::vector<int> forwarded;  // signals forwarded to it, in order
};

// The seam the gate runs commands through (tests use a fake).
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Errc::kIo when the command could not be started at all.
  [[nodiscard]] virtual Result<CommandResult> run(const std::vector<std::string>& argv) = 0;
};

// The signals a gate forwards, plus SIGCHLD. Blocks them in the calling thread for its lifetime
// (restoring the previous mask after), so that they stay pending until ProcessRunner collects them
// with sigtimedwait.
// N.B. create it in the main thread before any other thread starts (the telemetry writer, for
// one): threads inherit the mask, so no thread ever takes a forwarded signal's default action.
class ForwardedSignals {
 public:
  ForwardedSignals();
  ~ForwardedSignals();
  ForwardedSignals(const ForwardedSignals&) = delete;
  ForwardedSignals& operator=(const ForwardedSignals&) = delete;

  // A pending SIGINT or SIGTERM (or SIGHUP, SIGQUIT), consumed: what the gate got while it was not
  // running a command (e.g. waiting for a target lock).
  [[nodiscard]] std::optional<int> take_pending() const;
  [[nodiscard]] static const sigset_t& set() noexcept;

 private:
  sigset_t previous_{};
};

class ProcessRunner final : public CommandRunner {
 public:
  // Taking the ForwardedSignals documents the order: the mask first, then the runner. run()
  // checks that the forwarded signals are blocked in its thread (Errc::kInternal otherwise).
  explicit ProcessRunner(const ForwardedSignals& /*signals*/) {}
  [[nodiscard]] Result<CommandResult> run(const std::vector<std::string>& argv) override;
};

// The executable CMD names: a path with '/' as is, else the first match on $PATH. Errc::kUsage
// when there is none (nothing was run).
[[nodiscard]] Result<std::string> resolve_command(const std::string& name);

}  // namespace signet::gate
