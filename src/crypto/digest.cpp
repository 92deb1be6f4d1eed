#include "crypto/digest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "core/mapped_file.hpp"

namespace signet::crypto {

namespace {

constexpr std::size_t kChunkSize = std::size_t{1} << 20;  // 1 MiB per read()

EvpMdCtxPtr new_initialized_ctx(DigestAlgorithm alg) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), digest_md(alg), nullptr) != 1) return nullptr;
  return ctx;
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string_view digest_name(DigestAlgorithm alg) noexcept {
  switch (alg) {
    case DigestAlgorithm::kSha256:
      return "sha256";
    case DigestAlgorithm::kSha384:
      return "sha384";
    case DigestAlgorithm::kSha512:
      return "sha512";
  }
  return "sha256";
}

std::optional<DigestAlgorithm> digest_from_name(std::string_view name) noexcept {
  // Accepts "sha256", "SHA256", "sha-256", "SHA-256".
  std::string folded;
  for (const char c : name) {
    if (c == '-' || c == '_') continue;
    folded += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (folded.size() > 8) return std::nullopt;
  }
  if (folded == "sha256") return DigestAlgorithm::kSha256;
  if (folded == "sha384") return DigestAlgorithm::kSha384;
  if (folded == "sha512") return DigestAlgorithm::kSha512;
  return std::nullopt;
}

const EVP_MD* digest_md(DigestAlgorithm alg) noexcept {
  switch (alg) {
    case DigestAlgorithm::kSha256:
      return EVP_sha256();
    case DigestAlgorithm::kSha384:
      return EVP_sha384();
    case DigestAlgorithm::kSha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

Result<StreamingDigest> StreamingDigest::create(DigestAlgorithm alg) {
  EvpMdCtxPtr ctx = new_initialized_ctx(alg);
  if (!ctx) {
    return fail(Errc::kCrypto,
                "cannot initialize " + std::string(digest_name(alg)) + ": " + take_ossl_errors());
  }
  return StreamingDigest(alg, std::move(ctx));
}

void StreamingDigest::update(std::span<const std::uint8_t> data) {
  if (!ctx_) return;
  if (EVP_DigestUpdate(ctx_.get(), nonnull(data), data.size()) != 1) {
    // Fail closed: a digest that missed input must never be reported. finish() returns empty.
    ctx_.reset();
    clear_ossl_errors();
  }
}

Bytes StreamingDigest::finish() {
  Bytes out;
  if (ctx_) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), md, &len) == 1) out.assign(md, md + len);
    if (EVP_DigestInit_ex(ctx_.get(), digest_md(alg_), nullptr) != 1) ctx_.reset();
  } else {
    ctx_ = new_initialized_ctx(alg_);  // ready for the next message; this one failed
  }
  clear_ossl_errors();
  return out;
}

Bytes digest_bytes(DigestAlgorithm alg, std::span<const std::uint8_t> data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (data.size() < (std::size_t{1} << 20)) {
    if (EVP_Digest(nonnull(data), data.size(), md, &len, digest_md(alg), nullptr) != 1) {
      clear_ossl_errors();
      return {};
    }
    return Bytes(md, md + len);
  }
  // Large spans are often a MappedFile: for_each_chunk() reads those back in cache-sized chunks.
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx && EVP_DigestInit_ex(ctx.get(), digest_md(alg), nullptr) == 1 &&
      for_each_chunk(data,
                     [&](std::span<const std::uint8_t> chunk) {
                       return EVP_DigestUpdate(ctx.get(), chunk.data(), chunk.size()) == 1;
                     }) &&
      EVP_DigestFinal_ex(ctx.get(), md, &len) == 1;
  if (!ok) {
    clear_ossl_errors();
    return {};
  }
  return Bytes(md, md + len);
}

Result<Bytes> digest_file(const std::filesystem::path& path, DigestAlgorithm alg) {
  int raw_fd = -1;
  do {
    raw_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  } while (raw_fd < 0 && errno == EINTR);
  if (raw_fd < 0) {
    return fail(Errc::kIo, "cannot open " + path.string() + ": " + errno_text(errno));
  }
  const FileDescriptor fd(raw_fd);
  // Advice only: a failure here changes speed, not the result.
  (void)::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);

  auto digest = StreamingDigest::create(alg);
  if (!digest) return std::unexpected(digest.error());
  // One fixed buffer: memory use does not depend on the file size. Not zero-filled: read() fills
  // it.
  const auto buffer = std::make_unique_for_overwrite<std::uint8_t[]>(kChunkSize);
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.get(), kChunkSize);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::kIo, "cannot read " + path.string() + ": " + errno_text(errno));
    }
    if (n == 0) break;
    digest->update(std::span<const std::uint8_t>(buffer.get(), static_cast<std::size_t>(n)));
  }
  Bytes out = digest->finish();
  if (out.empty()) {
    return fail(Errc::kCrypto, "digest of " + path.string() + " failed: " + take_ossl_errors());
  }
  return out;
}

}  // namespace signet::crypto
