// The dm-verity hash tree (format 1, as veritysetup and RAUC build it) over a payload: 4096-byte
// data blocks, each digest SHA-256(salt || block), digests packed into zero-padded 4096-byte hash
// blocks and hashed the same way, level by level, up to one block whose digest is the root hash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/hex.hpp"

namespace signet::formats {

inline constexpr std::size_t kVerityBlockSize = 4096;

struct VerityTree {
  Bytes root_hash;
  std::size_t tree_size = 0;  // bytes of hash blocks over all levels, as stored after the data
};

// `data.size()` must be a non-zero multiple of kVerityBlockSize (checked by the caller).
[[nodiscard]] VerityTree compute_verity_tree(std::span<const std::uint8_t> data,
                                             std::span<const std::uint8_t> salt);

}  // namespace signet::formats
