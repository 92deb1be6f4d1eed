// The seam to /proc and to the event's descriptor: what the execution gate learns about a file and
// about the process opening it. ProcFileProbe is production; unit tests use a fake.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/hex.hpp"

namespace signet::gate {

// What the decision cache is keyed on (with the class): a file changed in place gets a new size,
// mtime or ctime, and FAN_MODIFY / FAN_CLOSE_WRITE drop its entries anyway.
struct FileIdentity {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  bool regular = true;
  bool operator==(const FileIdentity&) const = default;
};

struct FileContent {
  std::string sha256;  // lower-case hex of every byte read
  // The bytes themselves, when asked for (embedded-signature formats need them); empty otherwise.
  Bytes bytes;
  bool starts_with_mz = false;  // a PE image (Authenticode) — worth keeping the bytes for
};

class FileProbe {
 public:
  virtual ~FileProbe() = default;
  [[nodiscard]] virtual Result<FileIdentity> identify(int fd) = 0;
  // The path the descriptor was opened at ("" when unknown). For people and for choosing the
  // class (.so, .ko, guard folders) — never for trust.
  [[nodiscard]] virtual std::string path_of(int fd) = 0;
  // The executable of a process ("" when it is gone).
  [[nodiscard]] virtual std::string exe_of(std::int32_t pid) = 0;
  // Reads the whole file through the descriptor (pread, never mmap: a file truncated meanwhile must
  // not kill the daemon with SIGBUS). Keeps the bytes when `keep_bytes` is set or the file starts
  // with "MZ", up to `max_kept` bytes (beyond it, bytes stays empty).
  [[nodiscard]] virtual Result<FileContent> read(int fd, bool keep_bytes,
                                                 std::uint64_t max_kept) = 0;
};

class ProcFileProbe final : public FileProbe {
 public:
  [[nodiscard]] Result<FileIdentity> identify(int fd) override;
  [[nodiscard]] std::string path_of(int fd) override;
  [[nodiscard]] std::string exe_of(std::int32_t pid) override;
  [[nodiscard]] Result<FileContent> read(int fd, bool keep_bytes, std::uint64_t max_kept) override;
};

}  // namespace signet::gate
