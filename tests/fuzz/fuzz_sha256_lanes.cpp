// Differential fuzzing of crypto::Sha256Stream (the inventory's SHA-256, two messages at once on
// SHA-NI) against OpenSSL's one-shot SHA-256: two messages fed in pieces the input chooses, through
// update_pair (in either argument order, and with one stream as both arguments) and update, must
// finish to OpenSSL's digests; then, once more from the reset streams, the messages swapped.
//
// Input: a header, then the payload.
//   [0]       mode: bit 0 = stream a on the OpenSSL engine, bit 1 = stream b on it (a second run
//             after the one with both streams on the best engine: the mixed-engine pairs)
//   [1..2]    split (little-endian, modulo payload size + 1): message a = payload[0, split),
//             message b = the rest
//   [3]       number of steps (modulo 33)
//   [4..]     steps, 3 bytes each: kind, length for a, length for b (see piece_length(); each
//             clamped to what is left of its message); kind bits 0-2 = what (see Step), bits 3-6 =
//             an offset 0..15 of the piece in its buffer (alignment)
//   after     the payload
// Every piece is copied into a buffer of its own that ends where the piece ends, so reading past a
// piece is an ASan finding rather than a read of the next piece's bytes. What is left of the
// messages after the steps goes in one final update_pair.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "crypto/digest.hpp"
#include "crypto/sha256_lanes.hpp"

namespace {

using signet::crypto::DigestAlgorithm;
using signet::crypto::Sha256Engine;
using signet::crypto::Sha256Stream;
using Span = std::span<const std::uint8_t>;

enum Step : std::uint8_t {
  kPair,         // update_pair(a, pa, b, pb)
  kPairSwapped,  // update_pair(b, pb, a, pa)
  kPairBig,      // update_pair(a, pa, b, pb), both lengths x64 (more blocks hashed together)
  kUpdateA,      // a.update(pa)
  kUpdateB,      // b.update(pb)
  kUpdateBoth,   // a.update(pa); b.update(pb)
  kAliasA,       // update_pair(a, pa, a, pa2): two consecutive pieces of message a
  kAliasB,       // update_pair(b, pb, b, pb2)
};

// 0..63 bytes in steps of 1, 0..252 in 4, 0..1008 in 16, 0..4032 in 64: every offset within a
// block for short pieces, whole blocks for long ones.
std::size_t piece_length(std::uint8_t v) {
  return static_cast<std::size_t>(v & 63U) << (2 * (v >> 6));
}

// A piece in a buffer of its own, `offset` bytes into it, ending at the buffer's end.
struct Piece {
  Piece(Span from, std::size_t offset) : buffer(offset + from.size()) {
    std::copy(from.begin(), from.end(), buffer.begin() + static_cast<std::ptrdiff_t>(offset));
    bytes = Span(buffer).subspan(offset);
  }
  Piece(const Piece&) = delete;  // `bytes` points into `buffer`: a move keeps it valid, a copy not
  Piece& operator=(const Piece&) = delete;
  Piece(Piece&&) = default;
  Piece& operator=(Piece&&) = delete;
  ~Piece() = default;

  std::vector<std::uint8_t> buffer;
  Span bytes;
};

// The next `length` bytes (or what is left) of `message`, from `*at`.
Piece take(Span message, std::size_t& at, std::size_t length, std::size_t offset) {
  length = std::min(length, message.size() - at);
  Piece piece(message.subspan(at, length), offset);
  at += length;
  return piece;
}

Sha256Stream make_stream(Sha256Engine engine) {
  auto stream = Sha256Stream::create(engine);
  if (!stream || stream->engine() != engine) std::abort();
  return std::move(*stream);
}

void run(Sha256Engine engine_a, Sha256Engine engine_b, Span steps, Span ma, Span mb) {
  Sha256Stream a = make_stream(engine_a);
  Sha256Stream b = make_stream(engine_b);
  std::size_t at_a = 0;
  std::size_t at_b = 0;
  for (std::size_t i = 0; i + 3 <= steps.size(); i += 3) {
    const auto kind = static_cast<Step>(steps[i] & 7U);
    const std::size_t offset = (steps[i] >> 3) & 15U;
    std::size_t la = piece_length(steps[i + 1]);
    std::size_t lb = piece_length(steps[i + 2]);
    if (kind == kPairBig) {
      la *= 64;
      lb *= 64;
    }
    switch (kind) {
      case kPair:
      case kPairBig:
      case kPairSwapped: {
        const Piece pa = take(ma, at_a, la, offset);
        const Piece pb = take(mb, at_b, lb, 15 - offset);
        if (kind == kPairSwapped) {
          Sha256Stream::update_pair(b, pb.bytes, a, pa.bytes);
        } else {
          Sha256Stream::update_pair(a, pa.bytes, b, pb.bytes);
        }
        break;
      }
      case kUpdateA:
        a.update(take(ma, at_a, la, offset).bytes);
        break;
      case kUpdateB:
        b.update(take(mb, at_b, lb, offset).bytes);
        break;
      case kUpdateBoth: {
        a.update(take(ma, at_a, la, offset).bytes);
        b.update(take(mb, at_b, lb, offset).bytes);
        break;
      }
      case kAliasA: {
        const Piece first = take(ma, at_a, la, offset);
        const Piece second = take(ma, at_a, lb, 15 - offset);
        Sha256Stream::update_pair(a, first.bytes, a, second.bytes);
        break;
      }
      case kAliasB: {
        const Piece first = take(mb, at_b, lb, offset);
        const Piece second = take(mb, at_b, la, 15 - offset);
        Sha256Stream::update_pair(b, first.bytes, b, second.bytes);
        break;
      }
    }
  }
  const Piece rest_a = take(ma, at_a, ma.size(), 0);
  const Piece rest_b = take(mb, at_b, mb.size(), 0);
  Sha256Stream::update_pair(a, rest_a.bytes, b, rest_b.bytes);
  const auto want_a = signet::crypto::digest_bytes(DigestAlgorithm::kSha256, ma);
  const auto want_b = signet::crypto::digest_bytes(DigestAlgorithm::kSha256, mb);
  if (want_a.size() != 32 || want_b.size() != 32) std::abort();
  if (a.finish() != want_a || b.finish() != want_b) std::abort();

  // finish() starts the streams over: the messages again, swapped, in one pair each.
  const Piece whole_a(ma, 0);
  const Piece whole_b(mb, 0);
  Sha256Stream::update_pair(a, whole_b.bytes, b, whole_a.bytes);
  if (a.finish() != want_b || b.finish() != want_a) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The engine the two streams share: SHA-NI where this CPU has it and its self-test passed (said
  // once in the log otherwise: the run then compares only the OpenSSL engine).
  static const Sha256Engine best = [] {
    if (signet::crypto::sha256_shani_usable()) return Sha256Engine::kShaNi;
    std::fputs("fuzz_sha256_lanes: SHA-NI not usable here, comparing the OpenSSL engine only\n",
               stderr);
    return Sha256Engine::kOpenssl;
  }();
  const Span input(data, size);
  const auto byte = [&](std::size_t i) -> std::uint8_t { return i < size ? data[i] : 0; };
  constexpr std::size_t kHeader = 4;
  const std::uint8_t mode = byte(0);
  const std::size_t split_word = byte(1) | (static_cast<std::size_t>(byte(2)) << 8);
  const std::size_t step_bytes =
      std::min<std::size_t>(3 * (byte(3) % 33), size - std::min(size, kHeader));
  const Span steps = input.subspan(std::min(size, kHeader), step_bytes);
  const Span payload = input.subspan(std::min(size, kHeader) + step_bytes);
  const std::size_t split = split_word % (payload.size() + 1);
  const Span ma = payload.first(split);
  const Span mb = payload.subspan(split);

  run(best, best, steps, ma, mb);
  if ((mode & 3U) != 0) {
    run((mode & 1U) != 0 ? Sha256Engine::kOpenssl : best,
        (mode & 2U) != 0 ? Sha256Engine::kOpenssl : best, steps, ma, mb);
  }
  return 0;
}
