// systemd's notification protocol, spoken directly (no libsystemd): one datagram per message to the
// AF_UNIX socket named by $NOTIFY_SOCKET ("@..." is the abstract namespace). Without $NOTIFY_SOCKET
// every call does nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace signet::gate {

class SystemdNotifier {
 public:
  // Reads $NOTIFY_SOCKET and $WATCHDOG_USEC (honoured only when $WATCHDOG_PID is unset or ours).
  [[nodiscard]] static SystemdNotifier from_environment();
  SystemdNotifier() = default;
  explicit SystemdNotifier(std::string socket_path,
                           std::optional<std::chrono::microseconds> watchdog = std::nullopt)
      : socket_(std::move(socket_path)), watchdog_(watchdog) {}

  // "READY=1", "RELOADING=1", "STOPPING=1", "WATCHDOG=1", "STATUS=...".
  [[nodiscard]] Result<void> notify(const std::string& message) const;
  [[nodiscard]] bool enabled() const noexcept { return !socket_.empty(); }
  // The watchdog interval systemd expects pings within, when it asked for them.
  [[nodiscard]] std::optional<std::chrono::microseconds> watchdog() const noexcept {
    return watchdog_;
  }

 private:
  std::string socket_;
  std::optional<std::chrono::microseconds> watchdog_;
};

}  // namespace signet::gate
