// Streaming SHA-2: constant memory whatever the input size, large sequential reads.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string_view>

#include "core/error.hpp"
#include "core/hex.hpp"
#include "crypto/ossl.hpp"

namespace signet::crypto {

enum class DigestAlgorithm { kSha256, kSha384, kSha512 };

[[nodiscard]] std::string_view digest_name(DigestAlgorithm alg) noexcept;  // "sha256"
[[nodiscard]] std::optional<DigestAlgorithm> digest_from_name(std::string_view name) noexcept;
[[nodiscard]] const EVP_MD* digest_md(DigestAlgorithm alg) noexcept;

class StreamingDigest {
 public:
  [[nodiscard]] static Result<StreamingDigest> create(DigestAlgorithm alg);
  void update(std::span<const std::uint8_t> data);
  // Finishes and resets; the object can be reused for a new message.
  [[nodiscard]] Bytes finish();

 private:
  StreamingDigest(DigestAlgorithm alg, EvpMdCtxPtr ctx) : alg_(alg), ctx_(std::move(ctx)) {}
  DigestAlgorithm alg_;
  EvpMdCtxPtr ctx_;
};

[[nodiscard]] Bytes digest_bytes(DigestAlgorithm alg, std::span<const std::uint8_t> data);
// Reads the file in 1 MiB chunks (posix_fadvise SEQUENTIAL); memory use does not grow with size.
[[nodiscard]] Result<Bytes> digest_file(const std::filesystem::path& path, DigestAlgorithm alg);

}  // namespace signet::crypto
