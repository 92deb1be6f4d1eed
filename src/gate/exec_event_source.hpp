// The seam between the execution gate and the kernel: where permission and notification events
// come from and where answers go. FanotifySource (exec_fanotify.hpp) is the production source; unit
// tests drive the decision loop through a fake (tests/unit/gate_exec_test.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "core/error.hpp"

namespace signet::gate {

// Event mask bits, with fanotify's values (linux/fanotify.h), so that fakes need no kernel header.
inline constexpr std::uint64_t kEventModify = 0x00000002;        // FAN_MODIFY
inline constexpr std::uint64_t kEventCloseWrite = 0x00000008;    // FAN_CLOSE_WRITE
inline constexpr std::uint64_t kEventOverflow = 0x00004000;      // FAN_Q_OVERFLOW
inline constexpr std::uint64_t kEventOpenPerm = 0x00010000;      // FAN_OPEN_PERM
inline constexpr std::uint64_t kEventOpenExecPerm = 0x00040000;  // FAN_OPEN_EXEC_PERM
inline constexpr std::uint64_t kPermissionEvents = kEventOpenPerm | kEventOpenExecPerm | 0x00020000;

// One event as read. N.B. `fd` (an open descriptor of the file, or -1 for an overflow) is owned by
// whoever holds the RawEvent until EventSource::close_event(); a permission event must also get
// exactly one EventSource::respond() before that.
struct RawEvent {
  std::uint64_t mask = 0;
  int fd = -1;
  std::int32_t pid = 0;
  [[nodiscard]] bool is_permission() const noexcept { return (mask & kPermissionEvents) != 0; }
};

class EventSource {
 public:
  virtual ~EventSource() = default;
  // Waits up to `timeout` for events; an empty vector when none came. An error means the source is
  // broken (the daemon stops).
  [[nodiscard]] virtual Result<std::vector<RawEvent>> wait(std::chrono::milliseconds timeout) = 0;
  // Answers a permission event. Thread-safe: workers answer while the reader reads.
  [[nodiscard]] virtual Result<void> respond(int event_fd, bool allow) = 0;
  // Releases the event's descriptor. Thread-safe.
  virtual void close_event(int event_fd) noexcept = 0;
};

}  // namespace signet::gate
