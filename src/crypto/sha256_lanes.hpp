// SHA-256 for the inventory's bulk hashing, with two files hashed at once by one thread.
//
// Everywhere else signet hashes through OpenSSL (digest.hpp). A scan of a tree already in the page
// cache is bound by the CPU, and half of that CPU is SHA-256 running at the core's SHA-NI speed:
// OpenSSL hashes one message at a time, and each SHA-NI round waits for the one before it. Two
// independent messages interleaved in one thread keep the SHA unit busy while either waits: 1.45x
// OpenSSL's throughput on the VM measured (bench/README.md, docs/architecture.md "Hashing").
//
// The engine is chosen once per process (sha256_engine()):
//  - kShaNi: x86-64 with the SHA, SSSE3 and SSE4.1 instructions, OpenSSL not in FIPS mode, and a
//    self-test against OpenSSL passed (known answers and every padding case, alone and in pairs);
//  - kOpenssl otherwise, or when asked (`signet scan --hash-engine openssl`): each stream is an
//    OpenSSL digest and a pair is hashed one after the other.
// The gate and the verifiers still hash with OpenSSL: a recorded digest that differed from the
// true one would match nothing signed. The inventory's own comparisons rely on the engine matching
// OpenSSL, which the self-test checks at every start, the unit tests for every length, split and
// pairing, and fuzz_sha256_lanes differentially.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/error.hpp"
#include "core/hex.hpp"
#include "crypto/digest.hpp"

namespace signet::crypto {

enum class Sha256Engine { kOpenssl, kShaNi };

[[nodiscard]] std::string_view sha256_engine_name(Sha256Engine engine) noexcept;  // "openssl"
// The engine new streams use by default: decided at the first call (CPU, FIPS mode, self-test).
[[nodiscard]] Sha256Engine sha256_engine();
// Whether this CPU and build can run kShaNi, and its self-test passed (whatever was chosen).
[[nodiscard]] bool sha256_shani_usable();

class Sha256Stream {
 public:
  // Without `engine`: sha256_engine(). kShaNi on a CPU without SHA-NI: an OpenSSL stream.
  [[nodiscard]] static Result<Sha256Stream> create(std::optional<Sha256Engine> engine = {});

  [[nodiscard]] Sha256Engine engine() const noexcept {
    return evp_ ? Sha256Engine::kOpenssl : Sha256Engine::kShaNi;
  }
  void update(std::span<const std::uint8_t> data);
  // a.update(da) and b.update(db), with the blocks the two have in common hashed together. The
  // same as the two updates whatever the lengths, alignments and engines.
  static void update_pair(Sha256Stream& a, std::span<const std::uint8_t> da, Sha256Stream& b,
                          std::span<const std::uint8_t> db);
  // The 32-byte digest; the stream starts over for a new message.
  [[nodiscard]] Bytes finish();

 private:
  explicit Sha256Stream(std::optional<StreamingDigest> evp);
  void reset() noexcept;
  // Completes a partly filled block from the front of `data`; what is left of `data`.
  std::span<const std::uint8_t> fill_block(std::span<const std::uint8_t> data);
  // Keeps the bytes after the last whole block of `data` (hashed already) for later.
  void keep_rest(std::span<const std::uint8_t> data);

  std::optional<StreamingDigest> evp_;  // set: the OpenSSL engine
  alignas(16) std::uint32_t state_[8]{};
  std::uint8_t block_[64]{};
  std::size_t buffered_ = 0;  // bytes of block_ in use
  std::uint64_t length_ = 0;  // bytes of the message so far
};

}  // namespace signet::crypto
