// A read-only view of a whole regular file (mmap), for artifacts that may be large (a 100 MiB PE,
// a RAUC bundle): format units read them as one span without copying.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>

#include "core/error.hpp"

namespace signet {

class MappedFile {
 public:
  // Refuses anything that is not a regular file and files over max_bytes (default 16 GiB).
  [[nodiscard]] static Result<MappedFile> open(const std::filesystem::path& path,
                                               std::size_t max_bytes = std::size_t{16} << 30);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  // N.B. valid while this object lives; a file truncated by someone else meanwhile raises SIGBUS,
  // as with any mapping: callers verify files they control (the exec gate hashes a private copy).
  [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept { return {data_, size_}; }

 private:
  MappedFile(const std::uint8_t* data, std::size_t size, int fd)
      : data_(data), size_(size), fd_(fd) {}
  void release() noexcept;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  int fd_ = -1;  // kept open for for_each_chunk()
};

// Hands `bytes` to `consume` in order, in chunks of at most 256 KiB, and stops when it returns
// false. When `bytes` lies inside a live MappedFile, the chunks are read from the file with pread
// into a buffer that stays in the CPU cache instead of being taken from the mapping: on the virtual
// machines signet runs on, digesting mapped page-cache pages runs at about half the digest's speed
// (page faults, no prefetch across pages). The mapping is not populated up front either, so a
// format unit touches only the pages it parses. Returns false when `consume` stopped or a read came
// back short (the file shrank underneath): digests built on it must then not be trusted.
bool for_each_chunk(std::span<const std::uint8_t> bytes,
                    const std::function<bool(std::span<const std::uint8_t>)>& consume);

}  // namespace signet
