#include "formats/dm_verity.hpp"

#include <openssl/evp.h>

#include <algorithm>

#include "crypto/ossl.hpp"

namespace signet::formats {
namespace {

constexpr std::size_t kDigestSize = 32;

// Digests of each block of `blocks` (a multiple of the block size; the last may be short and is
// zero-padded), SHA-256(salt || block), packed into zero-padded hash blocks.
Bytes hash_level(std::span<const std::uint8_t> blocks, EVP_MD_CTX* base) {
  const std::size_t count = (blocks.size() + kVerityBlockSize - 1) / kVerityBlockSize;
  const std::size_t per_block = kVerityBlockSize / kDigestSize;
  Bytes level(((count + per_block - 1) / per_block) * kVerityBlockSize, 0);
  const crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  for (std::size_t i = 0; i < count; ++i) {
    const auto block = blocks.subspan(
        i * kVerityBlockSize, std::min(kVerityBlockSize, blocks.size() - i * kVerityBlockSize));
    unsigned int len = 0;
    // The salt prefix is hashed once into `base`; each block continues from a copy of it.
    EVP_MD_CTX_copy_ex(ctx.get(), base);
    EVP_DigestUpdate(ctx.get(), block.data(), block.size());
    if (block.size() < kVerityBlockSize) {
      const Bytes zeros(kVerityBlockSize - block.size(), 0);
      EVP_DigestUpdate(ctx.get(), zeros.data(), zeros.size());
    }
    EVP_DigestFinal_ex(ctx.get(), level.data() + i * kDigestSize, &len);
  }
  return level;
}

}  // namespace

VerityTree compute_verity_tree(std::span<const std::uint8_t> data,
                               std::span<const std::uint8_t> salt) {
  VerityTree tree;
  const crypto::EvpMdCtxPtr base(EVP_MD_CTX_new());
  if (!base || EVP_DigestInit_ex(base.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(base.get(), salt.data(), salt.size()) != 1) {
    return tree;
  }
  Bytes level = hash_level(data, base.get());
  tree.tree_size = level.size();
  while (level.size() > kVerityBlockSize) {
    level = hash_level(level, base.get());
    tree.tree_size += level.size();
  }
  tree.root_hash = hash_level(level, base.get());
  tree.root_hash.resize(kDigestSize);
  return tree;
}

}  // namespace signet::formats
