#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>

#include "core/error.hpp"
#include "core/hex.hpp"

namespace signet {

// Reads a whole (small) file: signatures, policies, certificates. Refuses files over max_bytes so
// that a hostile path (a device, a huge file) cannot exhaust memory. Errc::kIo "WHAT PATH:
// strerror(err)".
[[nodiscard]] Error io_error(const std::string& what, const std::filesystem::path& path, int err);

[[nodiscard]] Result<Bytes> read_file_bytes(const std::filesystem::path& path,
                                            std::size_t max_bytes = 64u << 20);
[[nodiscard]] Result<std::string> read_file_text(const std::filesystem::path& path,
                                                 std::size_t max_bytes = 16u << 20);
// Writes to PATH.tmp.XXXXXX, fsyncs, renames over PATH: readers never see a half-written file.
[[nodiscard]] Result<void> write_file_atomic(const std::filesystem::path& path,
                                             std::span<const std::uint8_t> data);

}  // namespace signet
