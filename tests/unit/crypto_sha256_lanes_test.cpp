// The inventory's own SHA-256 (two messages at once on SHA-NI) against FIPS 180-4's known answers
// and, differentially, against OpenSSL: every length through three blocks, every split of a
// message into updates, and pairs of every alignment and length.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/hex.hpp"
#include "crypto/digest.hpp"
#include "crypto/sha256_lanes.hpp"

namespace signet::crypto {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::vector<std::uint8_t> random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

Bytes openssl_sha256(std::span<const std::uint8_t> data) {
  return digest_bytes(DigestAlgorithm::kSha256, data);
}

bool cpu_reports_sha_ni() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) == 0) return line.find(" sha_ni") != std::string::npos;
  }
  return false;
}

class Sha256Lanes : public ::testing::TestWithParam<Sha256Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == Sha256Engine::kShaNi && !sha256_shani_usable()) {
      GTEST_SKIP() << "no SHA-NI on this CPU";
    }
  }
  Sha256Stream stream() {
    auto s = Sha256Stream::create(GetParam());
    EXPECT_TRUE(s.has_value());
    EXPECT_EQ(s->engine(), GetParam());
    return std::move(*s);
  }
};

TEST_P(Sha256Lanes, KnownAnswers) {
  struct Case {
    std::string input;
    std::string_view hex;
  };
  // FIPS 180-4 examples (NIST CSRC) and the million 'a' of FIPS 180-2 appendix B.3.
  const Case cases[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {std::string(1000000, 'a'),
       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  Sha256Stream s = stream();
  for (const auto& c : cases) {
    s.update(bytes_of(c.input));
    EXPECT_EQ(to_hex(s.finish()), c.hex) << c.input.size() << " bytes";
  }
  // The same, as two streams hashed in pairs: "abc" beside the million 'a'.
  Sha256Stream t = stream();
  Sha256Stream::update_pair(s, bytes_of(cases[1].input), t, bytes_of(cases[3].input));
  EXPECT_EQ(to_hex(s.finish()), cases[1].hex);
  EXPECT_EQ(to_hex(t.finish()), cases[3].hex);
}

TEST_P(Sha256Lanes, EveryLengthThroughThreeBlocksMatchesOpenssl) {
  const auto data = random_bytes(64 * 3 + 1, 1);
  Sha256Stream s = stream();
  for (std::size_t n = 0; n <= data.size(); ++n) {
    const auto message = std::span(data).first(n);
    s.update(message);
    ASSERT_EQ(s.finish(), openssl_sha256(message)) << n << " bytes";
  }
}

TEST_P(Sha256Lanes, AnySplitIntoUpdatesMatchesOpenssl) {
  const auto data = random_bytes(70000, 2);
  std::mt19937 rng(3);
  Sha256Stream s = stream();
  for (int round = 0; round < 200; ++round) {
    const std::size_t n = rng() % data.size();
    const auto message = std::span(data).first(n);
    for (std::size_t at = 0; at < n;) {
      // Mostly short pieces, sometimes long ones: every alignment against the 64-byte block.
      const std::size_t piece = std::min(n - at, rng() % 4 == 0 ? rng() % 9000 : rng() % 130);
      s.update(message.subspan(at, piece));
      at += piece;
    }
    ASSERT_EQ(s.finish(), openssl_sha256(message)) << "round " << round << ", " << n << " bytes";
  }
}

TEST_P(Sha256Lanes, PairsOfAnyAlignmentAndLengthMatchOpenssl) {
  const auto data = random_bytes(300000, 4);
  const auto other = random_bytes(300000, 5);
  std::mt19937 rng(6);
  Sha256Stream a = stream();
  Sha256Stream b = stream();
  for (int round = 0; round < 300; ++round) {
    // Lengths from nothing to many blocks, so that either stream may run out first, and pieces
    // that leave each stream partway into a block before the next pair.
    const std::size_t na = rng() % (round % 3 == 0 ? 200 : data.size());
    const std::size_t nb = rng() % (round % 5 == 0 ? 200 : other.size());
    const auto ma = std::span(data).first(na);
    const auto mb = std::span(other).first(nb);
    std::size_t at_a = 0;
    std::size_t at_b = 0;
    while (at_a < na || at_b < nb) {
      const std::size_t pa = std::min(na - at_a, rng() % 3 == 0 ? rng() % 100 : rng() % 70000);
      const std::size_t pb = std::min(nb - at_b, rng() % 3 == 0 ? rng() % 100 : rng() % 70000);
      Sha256Stream::update_pair(a, ma.subspan(at_a, pa), b, mb.subspan(at_b, pb));
      at_a += pa;
      at_b += pb;
    }
    ASSERT_EQ(a.finish(), openssl_sha256(ma)) << "round " << round << ", a " << na;
    ASSERT_EQ(b.finish(), openssl_sha256(mb)) << "round " << round << ", b " << nb;
  }
}

TEST_P(Sha256Lanes, EmptyPiecesChangeNothing) {
  // An empty span may have no data pointer at all, with part of a block buffered (found by
  // fuzz_sha256_lanes: memcpy from a null pointer).
  const auto data = random_bytes(100, 9);
  Sha256Stream a = stream();
  Sha256Stream b = stream();
  a.update(std::span(data).first(1));
  Sha256Stream::update_pair(a, {}, b, std::span(data).first(70));
  a.update({});
  Sha256Stream::update_pair(a, std::span(data).subspan(1), b, {});
  b.update(std::span(data).subspan(70));
  EXPECT_EQ(a.finish(), openssl_sha256(data));
  EXPECT_EQ(b.finish(), openssl_sha256(data));
}

TEST_P(Sha256Lanes, PairedWithItselfIsTwoUpdates) {
  const auto data = random_bytes(1000, 7);
  Sha256Stream s = stream();
  Sha256Stream::update_pair(s, std::span(data).first(300), s, std::span(data).subspan(300));
  EXPECT_EQ(s.finish(), openssl_sha256(data));
}

INSTANTIATE_TEST_SUITE_P(Engines, Sha256Lanes,
                         ::testing::Values(Sha256Engine::kOpenssl, Sha256Engine::kShaNi),
                         [](const ::testing::TestParamInfo<Sha256Engine>& param) {
                           return std::string(param.param == Sha256Engine::kShaNi ? "ShaNi"
                                                                                  : "Openssl");
                         });

TEST(Sha256LanesEngine, ShaNiIsChosenWhereTheCpuHasIt) {
  // The suite's machines have SHA-NI: the engine the scan uses there is the fast one.
  EXPECT_EQ(sha256_shani_usable(), cpu_reports_sha_ni());
  EXPECT_EQ(sha256_engine(), cpu_reports_sha_ni() ? Sha256Engine::kShaNi : Sha256Engine::kOpenssl);
}

TEST(Sha256LanesEngine, OpensslWhenAsked) {
  auto s = Sha256Stream::create(Sha256Engine::kOpenssl);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->engine(), Sha256Engine::kOpenssl);
  EXPECT_EQ(sha256_engine_name(s->engine()), "openssl");
  // An OpenSSL stream paired with a SHA-NI one: each still gets its own digest.
  if (sha256_shani_usable()) {
    auto t = Sha256Stream::create(Sha256Engine::kShaNi);
    ASSERT_TRUE(t.has_value());
    const auto data = random_bytes(5000, 8);
    Sha256Stream::update_pair(*s, std::span(data).first(4000), *t, std::span(data).subspan(100));
    EXPECT_EQ(s->finish(), openssl_sha256(std::span(data).first(4000)));
    EXPECT_EQ(t->finish(), openssl_sha256(std::span(data).subspan(100)));
  }
}

}  // namespace
}  // namespace signet::crypto
