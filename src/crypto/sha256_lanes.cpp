#include "crypto/sha256_lanes.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define SIGNET_SHA256_SHANI 1
#endif

namespace signet::crypto {
namespace {

// FIPS 180-4 section 5.3.3 and 4.2.2.
constexpr std::array<std::uint32_t, 8> kInitial = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
alignas(16) constexpr std::uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#if SIGNET_SHA256_SHANI
#define SIGNET_SHANI_TARGET __attribute__((target("sha,sse4.1,ssse3")))
#define SIGNET_SHANI_INLINE __attribute__((target("sha,sse4.1,ssse3"), always_inline)) inline

// The SHA-NI round instructions take the state as two registers, ABEF and CDGH; FIPS order is
// A..H. These convert between the two.
SIGNET_SHANI_INLINE void load_state(const std::uint32_t* s, __m128i& abef, __m128i& cdgh) {
  const __m128i dcba =
      _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s)), 0xB1);
  const __m128i efgh =
      _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 4)), 0x1B);
  abef = _mm_alignr_epi8(dcba, efgh, 8);
  cdgh = _mm_blend_epi16(efgh, dcba, 0xF0);
}

SIGNET_SHANI_INLINE void store_state(std::uint32_t* s, __m128i abef, __m128i cdgh) {
  const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(s), _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(s + 4), _mm_alignr_epi8(dchg, feba, 8));
}

// The message schedule: words 4g..4g+3 (big-endian loads for g < 4, the recurrence after).
SIGNET_SHANI_INLINE __m128i schedule(__m128i (&w)[4], int g, const std::uint8_t* block) {
  const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  if (g < 4) {
    w[g] =
        _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * g)), swap);
  } else {
    __m128i x = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
    x = _mm_add_epi32(x, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
    w[g & 3] = _mm_sha256msg2_epu32(x, w[(g + 3) & 3]);
  }
  return _mm_add_epi32(w[g & 3], _mm_load_si128(reinterpret_cast<const __m128i*>(&kRound[4 * g])));
}

// Four rounds.
SIGNET_SHANI_INLINE void rounds(__m128i& abef, __m128i& cdgh, __m128i wk) {
  cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
  abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
}

SIGNET_SHANI_TARGET void compress_one(std::uint32_t* s, const std::uint8_t* p, std::size_t blocks) {
  __m128i abef, cdgh;
  load_state(s, abef, cdgh);
  for (; blocks > 0; --blocks, p += 64) {
    const __m128i abef0 = abef;
    const __m128i cdgh0 = cdgh;
    __m128i w[4];
#pragma GCC unroll 16
    for (int g = 0; g < 16; ++g) rounds(abef, cdgh, schedule(w, g, p));
    abef = _mm_add_epi32(abef, abef0);
    cdgh = _mm_add_epi32(cdgh, cdgh0);
  }
  store_state(s, abef, cdgh);
}

// Two messages, block by block in step: the rounds of one run while the other's wait.
SIGNET_SHANI_TARGET void compress_two(std::uint32_t* s, const std::uint8_t* p, std::uint32_t* t,
                                      const std::uint8_t* q, std::size_t blocks) {
  __m128i abef, cdgh, abef_t, cdgh_t;
  load_state(s, abef, cdgh);
  load_state(t, abef_t, cdgh_t);
  for (; blocks > 0; --blocks, p += 64, q += 64) {
    const __m128i abef0 = abef;
    const __m128i cdgh0 = cdgh;
    const __m128i abef0_t = abef_t;
    const __m128i cdgh0_t = cdgh_t;
    __m128i w[4];
    __m128i v[4];
#pragma GCC unroll 16
    for (int g = 0; g < 16; ++g) {
      const __m128i wk = schedule(w, g, p);
      const __m128i vk = schedule(v, g, q);
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
      cdgh_t = _mm_sha256rnds2_epu32(cdgh_t, abef_t, vk);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
      abef_t = _mm_sha256rnds2_epu32(abef_t, cdgh_t, _mm_shuffle_epi32(vk, 0x0E));
    }
    abef = _mm_add_epi32(abef, abef0);
    cdgh = _mm_add_epi32(cdgh, cdgh0);
    abef_t = _mm_add_epi32(abef_t, abef0_t);
    cdgh_t = _mm_add_epi32(cdgh_t, cdgh0_t);
  }
  store_state(s, abef, cdgh);
  store_state(t, abef_t, cdgh_t);
}

bool cpu_has_shani() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0) return false;
  if ((c & bit_SSSE3) == 0 || (c & bit_SSE4_1) == 0) return false;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) return false;
  return (b & bit_SHA) != 0;
}
#else
void compress_one(std::uint32_t*, const std::uint8_t*, std::size_t) {}
void compress_two(std::uint32_t*, const std::uint8_t*, std::uint32_t*, const std::uint8_t*,
                  std::size_t) {}
bool cpu_has_shani() { return false; }
#endif

// Every padding case (the length field in the last block or one more), lengths that leave each
// stream partway into a block before a pair, and pairs of unequal length, against OpenSSL.
bool self_test() {
  std::vector<std::uint8_t> data(3 * 4096 + 77);
  std::uint32_t x = 0x9e3779b9;
  for (auto& byte : data) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    byte = static_cast<std::uint8_t>(x);
  }
  auto a = Sha256Stream::create(Sha256Engine::kShaNi);
  auto b = Sha256Stream::create(Sha256Engine::kShaNi);
  if (!a || !b || a->engine() != Sha256Engine::kShaNi) return false;
  const std::span<const std::uint8_t> all(data);
  for (std::size_t length = 0; length <= 200; ++length) {
    a->update(all.first(length));
    if (a->finish() != digest_bytes(DigestAlgorithm::kSha256, all.first(length))) return false;
  }
  const std::size_t leads[] = {0, 1, 55, 63, 64, 65};
  const std::size_t lengths[] = {0, 1, 64, 200, 4096, 3 * 4096 + 77};
  for (const std::size_t lead_a : leads) {
    for (const std::size_t length : lengths) {
      const std::size_t lead_b = (lead_a * 7 + 3) % 64;
      const std::size_t length_b = std::min(data.size(), length / 2 + 100);
      const auto da = all.first(length);
      const auto db = all.subspan(data.size() - length_b);
      a->update(da.first(std::min(lead_a, da.size())));
      b->update(db.first(std::min(lead_b, db.size())));
      Sha256Stream::update_pair(*a, da.subspan(std::min(lead_a, da.size())), *b,
                                db.subspan(std::min(lead_b, db.size())));
      if (a->finish() != digest_bytes(DigestAlgorithm::kSha256, da) ||
          b->finish() != digest_bytes(DigestAlgorithm::kSha256, db)) {
        return false;
      }
    }
  }
  return true;
}

void store_be32(std::uint8_t* out, std::uint32_t v) {
  out[0] = static_cast<std::uint8_t>(v >> 24);
  out[1] = static_cast<std::uint8_t>(v >> 16);
  out[2] = static_cast<std::uint8_t>(v >> 8);
  out[3] = static_cast<std::uint8_t>(v);
}

}  // namespace

std::string_view sha256_engine_name(Sha256Engine engine) noexcept {
  return engine == Sha256Engine::kShaNi ? "sha-ni" : "openssl";
}

bool sha256_shani_usable() {
  static const bool usable = [] {
    if (!cpu_has_shani()) return false;
    // A FIPS-mode OpenSSL: every digest from the validated module.
    if (EVP_default_properties_is_fips_enabled(nullptr) == 1) return false;
    return self_test();
  }();
  return usable;
}

Sha256Engine sha256_engine() {
  return sha256_shani_usable() ? Sha256Engine::kShaNi : Sha256Engine::kOpenssl;
}

Sha256Stream::Sha256Stream(std::optional<StreamingDigest> evp) : evp_(std::move(evp)) { reset(); }

Result<Sha256Stream> Sha256Stream::create(std::optional<Sha256Engine> engine) {
  const Sha256Engine chosen = engine ? *engine : sha256_engine();
  // kShaNi asked for explicitly (the self-test, the tests) needs only the CPU.
  if (chosen == Sha256Engine::kShaNi && cpu_has_shani()) return Sha256Stream(std::nullopt);
  auto evp = StreamingDigest::create(DigestAlgorithm::kSha256);
  if (!evp) return std::unexpected(evp.error());
  return Sha256Stream(std::move(*evp));
}

void Sha256Stream::reset() noexcept {
  std::copy(kInitial.begin(), kInitial.end(), state_);
  buffered_ = 0;
  length_ = 0;
}

std::span<const std::uint8_t> Sha256Stream::fill_block(std::span<const std::uint8_t> data) {
  if (buffered_ == 0 || data.empty()) return data;
  const std::size_t take = std::min(data.size(), sizeof block_ - buffered_);
  std::memcpy(block_ + buffered_, data.data(), take);
  buffered_ += take;
  if (buffered_ == sizeof block_) {
    compress_one(state_, block_, 1);
    buffered_ = 0;
  }
  return data.subspan(take);
}

void Sha256Stream::keep_rest(std::span<const std::uint8_t> data) {
  const std::size_t rest = data.size() % 64;
  if (rest != 0) std::memcpy(block_, data.data() + data.size() - rest, rest);
  buffered_ = rest;
}

void Sha256Stream::update(std::span<const std::uint8_t> data) {
  if (evp_) {
    evp_->update(data);
    return;
  }
  length_ += data.size();
  data = fill_block(data);
  if (data.empty()) return;  // (what is left of a block stays buffered)
  compress_one(state_, data.data(), data.size() / 64);
  keep_rest(data);
}

void Sha256Stream::update_pair(Sha256Stream& a, std::span<const std::uint8_t> da, Sha256Stream& b,
                               std::span<const std::uint8_t> db) {
  if (a.evp_ || b.evp_ || &a == &b) {
    a.update(da);
    b.update(db);
    return;
  }
  a.length_ += da.size();
  b.length_ += db.size();
  da = a.fill_block(da);
  db = b.fill_block(db);
  // A stream whose data all went into its buffer has no whole block: the other goes alone.
  const std::size_t both = (da.empty() || db.empty()) ? 0 : std::min(da.size(), db.size()) / 64;
  if (both > 0) {
    compress_two(a.state_, da.data(), b.state_, db.data(), both);
    da = da.subspan(64 * both);
    db = db.subspan(64 * both);
  }
  if (!da.empty()) {
    compress_one(a.state_, da.data(), da.size() / 64);
    a.keep_rest(da);
  }
  if (!db.empty()) {
    compress_one(b.state_, db.data(), db.size() / 64);
    b.keep_rest(db);
  }
}

Bytes Sha256Stream::finish() {
  if (evp_) return evp_->finish();
  // FIPS 180-4 section 5.1.1: 0x80, zeros, then the length in bits, big-endian, ending a block.
  const std::uint64_t bits = length_ * 8;
  block_[buffered_++] = 0x80;
  if (buffered_ > 56) {
    std::memset(block_ + buffered_, 0, sizeof block_ - buffered_);
    compress_one(state_, block_, 1);
    buffered_ = 0;
  }
  std::memset(block_ + buffered_, 0, 56 - buffered_);
  store_be32(block_ + 56, static_cast<std::uint32_t>(bits >> 32));
  store_be32(block_ + 60, static_cast<std::uint32_t>(bits));
  compress_one(state_, block_, 1);
  Bytes out(32);
  for (int i = 0; i < 8; ++i) store_be32(out.data() + 4 * i, state_[i]);
  reset();
  return out;
}

}  // namespace signet::crypto
