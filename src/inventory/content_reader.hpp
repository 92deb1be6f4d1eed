// Reads one file for the inventory: opened relative to its directory's descriptor (O_NOFOLLOW,
// O_NOATIME where permitted), read front to back in large chunks (posix_fadvise SEQUENTIAL) into
// SHA-256, with its first and last bytes kept for kind detection and — for files that may carry a
// signature — the whole content for the format unit. The metadata recorded is fstat's of the
// descriptor that was read, so a file replaced between the listing and the open is recorded as
// what was actually hashed; a file that changes while it is read is read again, then reported.
// One reader per worker thread (it owns the buffer and the digest).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/hex.hpp"
#include "crypto/digest.hpp"

namespace signet::inventory {

struct ContentRead {
  struct stat st {};  // of what was read
  std::string sha256;
  Bytes head;     // first kHeadBytes (or the whole file)
  Bytes tail;     // last kTailBytes
  Bytes content;  // the whole file when kept
  bool content_complete = false;
  // Set instead of the digest when the file could not be read consistently.
  std::string error;
  bool vanished = false;
};

struct ReadRequest {
  int dirfd = -1;
  const std::string* name = nullptr;  // relative to dirfd
  bool keep_content = false;  // keep the bytes whatever they are (a separate signature exists)
  std::uint64_t max_content_bytes = 0;  // never keep more than this
};

class ContentReader {
 public:
  [[nodiscard]] static Result<ContentReader> create(std::size_t buffer_bytes);

  [[nodiscard]] ContentRead read(const ReadRequest& request);

  // Bytes read so far by this reader.
  [[nodiscard]] std::uint64_t bytes_read() const noexcept { return bytes_read_; }

 private:
  ContentReader(crypto::StreamingDigest digest, std::size_t buffer_bytes);
  // Reads into buffer_ (O_DIRECT once the file turned out not to be cached).
  ssize_t read_chunk(int fd, bool first, bool& direct);
  // One pass; false when the file changed meanwhile (`out` then holds the error).
  bool read_once(const ReadRequest& request, ContentRead& out);

  crypto::StreamingDigest digest_;
  struct FreeAligned {
    void operator()(std::uint8_t* p) const noexcept { std::free(p); }
  };
  // Aligned for O_DIRECT (4 KiB, the largest logical block size of the disks we read).
  std::unique_ptr<std::uint8_t, FreeAligned> buffer_;
  std::size_t buffer_size_ = 0;
  std::uint64_t bytes_read_ = 0;
};

}  // namespace signet::inventory
