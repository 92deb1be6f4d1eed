// POSIX ustar archives, the small subset evidence bundles need: regular files with relative
// names, written deterministically and read back strictly. Written here rather than with
// libarchive: a bundle is a handful of files, and the reader must stay free of compiled C++
// libraries for the fuzz build (and never trust a size or a name from the archive).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/hex.hpp"

namespace signet::telemetry {

struct TarMember {
  std::string name;  // relative, '/'-separated, no "..", at most 100 bytes
  Bytes data;
};

// Members in order, mode 0644, owner 0/0 "root", the given mtime (seconds since the epoch).
[[nodiscard]] Result<Bytes> write_ustar(std::span<const TarMember> members, std::int64_t mtime);

struct TarEntry {
  std::string name;
  std::span<const std::uint8_t> data;  // points into the archive
};
// Strict: every header's checksum, octal fields, ustar magic, regular files only (directories are
// skipped), safe unique names, sizes within the archive, two zero blocks at the end.
[[nodiscard]] Result<std::vector<TarEntry>> read_ustar(std::span<const std::uint8_t> archive);

// True when `bytes` starts with a ustar header (magic "ustar" at offset 257).
[[nodiscard]] bool looks_like_ustar(std::span<const std::uint8_t> bytes) noexcept;

}  // namespace signet::telemetry
