// Where rendered events go: a file, a syslog receiver, a spool, the audit log. Each writer is used
// from one thread only (the emitter's writer thread, or a command like `signet telemetry flush`).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "core/error.hpp"

namespace signet::telemetry {

// Records are written in order; on failure, the first `written` records are delivered and the
// rest are not.
struct WriteResult {
  std::size_t written = 0;
  std::optional<Error> error;
  [[nodiscard]] bool ok() const noexcept { return !error; }
};

class RecordWriter {
 public:
  virtual ~RecordWriter() = default;
  [[nodiscard]] virtual WriteResult write(std::span<const std::string> records) = 0;
  // "file /var/log/signet/events.jsonl", "syslog tcp 127.0.0.1:6514"
  [[nodiscard]] virtual std::string describe() const = 0;
};

}  // namespace signet::telemetry
