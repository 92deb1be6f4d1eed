// A read-only view of a whole regular file (mmap), for artifacts that may be large (a 100 MiB PE,
// a RAUC bundle): format units read them as one span without copying.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
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
  MappedFile(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace signet
