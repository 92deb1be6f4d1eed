#include "gate/exec_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace signet::gate {

SystemdNotifier SystemdNotifier::from_environment() {
  const char* socket = std::getenv("NOTIFY_SOCKET");  // NOLINT(concurrency-mt-unsafe)
  if (socket == nullptr || *socket == '\0') return {};
  std::optional<std::chrono::microseconds> watchdog;
  const char* usec = std::getenv("WATCHDOG_USEC");  // NOLINT(concurrency-mt-unsafe)
  const char* wpid = std::getenv("WATCHDOG_PID");   // NOLINT(concurrency-mt-unsafe)
  bool ours = true;
  if (wpid != nullptr && *wpid != '\0') {
    long pid = 0;
    const auto [end, ec] = std::from_chars(wpid, wpid + std::strlen(wpid), pid);
    ours = ec == std::errc() && pid == ::getpid();
  }
  if (usec != nullptr && ours) {
    unsigned long long value = 0;
    const auto [end, ec] = std::from_chars(usec, usec + std::strlen(usec), value);
    if (ec == std::errc() && value > 0) {
      watchdog = std::chrono::microseconds(static_cast<std::int64_t>(value));
    }
  }
  return SystemdNotifier(socket, watchdog);
}

Result<void> SystemdNotifier::notify(const std::string& message) const {
  if (socket_.empty()) return {};
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_.size() >= sizeof address.sun_path) {
    return fail(Errc::kUsage, "NOTIFY_SOCKET is too long");
  }
  std::memcpy(address.sun_path, socket_.data(), socket_.size());
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
  if (socket_.front() == '@') {
    address.sun_path[0] = '\0';  // abstract namespace
  } else {
    length += 1;  // the terminating NUL of a path
  }
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(Errc::kIo, std::string("socket: ") + std::strerror(errno));  // NOLINT
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
  const ssize_t sent = ::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&address), length);
  const int error = errno;
  ::close(fd);
  if (sent < 0)
    return fail(Errc::kIo, "sd_notify " + socket_ + ": " + std::strerror(error));  // NOLINT
  return {};
}

}  // namespace signet::gate
