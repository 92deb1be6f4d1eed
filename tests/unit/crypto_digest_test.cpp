#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "core/mapped_file.hpp"
#include "crypto/digest.hpp"
#include "support/test_pki.hpp"

namespace signet::crypto {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

struct KnownAnswer {
  DigestAlgorithm alg;
  std::string_view input;
  std::string_view hex;
};

// FIPS 180-2 / NIST CSRC examples.
constexpr KnownAnswer kKnownAnswers[] = {
    {DigestAlgorithm::kSha256, "",
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {DigestAlgorithm::kSha256, "abc",
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {DigestAlgorithm::kSha384, "",
     "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b"
     "95"
     "b"},
    {DigestAlgorithm::kSha384, "abc",
     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c82"
     "5a"
     "7"},
    {DigestAlgorithm::kSha512, "",
     "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877ee"
     "c2f"
     "63b931bd47417a81a538327af927da3e"},
    {DigestAlgorithm::kSha512, "abc",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3fee"
     "bbd"
     "454d4423643ce80e2a9ac94fa54ca49f"},
};

TEST(Digest, KnownAnswersOneShot) {
  for (const KnownAnswer& ka : kKnownAnswers) {
    EXPECT_EQ(to_hex(digest_bytes(ka.alg, bytes_of(ka.input))), ka.hex)
        << digest_name(ka.alg) << "(\"" << ka.input << "\")";
  }
}

TEST(Digest, KnownAnswersStreamingByteByByteAndReuse) {
  for (const KnownAnswer& ka : kKnownAnswers) {
    auto digest = StreamingDigest::create(ka.alg);
    ASSERT_TRUE(digest.has_value());
    for (std::size_t i = 0; i < ka.input.size(); ++i)
      digest->update(bytes_of(ka.input.substr(i, 1)));
    EXPECT_EQ(to_hex(digest->finish()), ka.hex);
    // finish() resets: the same object digests the next message from scratch.
    digest->update(bytes_of(ka.input));
    EXPECT_EQ(to_hex(digest->finish()), ka.hex);
  }
}

TEST(Digest, MillionA) {
  const std::string input(1'000'000, 'a');
  EXPECT_EQ(to_hex(digest_bytes(DigestAlgorithm::kSha256, bytes_of(input))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Digest, MultiChunkFileMatchesOneShot) {
  const testing::TempDir dir;
  const std::string path = dir.path() + "/blob.bin";
  // 3 MiB + 17 bytes: three full 1 MiB reads and a short tail.
  Bytes data((3u << 20) + 17);
  std::mt19937 rng(42);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
  }
  for (const auto alg :
       {DigestAlgorithm::kSha256, DigestAlgorithm::kSha384, DigestAlgorithm::kSha512}) {
    auto from_file = digest_file(path, alg);
    ASSERT_TRUE(from_file.has_value()) << from_file.error().describe();
    EXPECT_EQ(to_hex(*from_file), to_hex(digest_bytes(alg, data))) << digest_name(alg);
  }
}

// Large spans of a MappedFile are digested from pread() chunks (for_each_chunk), smaller ones and
// spans outside any mapping straight from memory: every way gives the same digest, and a file
// that shrank under its mapping gives no digest at all rather than a wrong one.
TEST(Digest, MappedFileSpansAreReadBackAndAShrunkFileGivesNoDigest) {
  const testing::TempDir dir;
  const std::string path = dir.path() + "/mapped.bin";
  Bytes data((5u << 20) + 4099);
  std::mt19937 rng(7);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
  }
  auto mapped = MappedFile::open(path);
  ASSERT_TRUE(mapped.has_value()) << mapped.error().describe();
  const auto whole = mapped->bytes();
  ASSERT_EQ(whole.size(), data.size());
  for (const auto alg : {DigestAlgorithm::kSha256, DigestAlgorithm::kSha512}) {
    EXPECT_EQ(to_hex(digest_bytes(alg, whole)), to_hex(digest_bytes(alg, data)));
    // An inner range at an odd offset (pread at that offset), and a small one (from memory).
    const auto inner = whole.subspan(12345, (2u << 20) + 77);
    EXPECT_EQ(to_hex(digest_bytes(alg, inner)),
              to_hex(digest_bytes(
                  alg, std::span<const std::uint8_t>(data).subspan(12345, inner.size()))));
    EXPECT_EQ(to_hex(digest_bytes(alg, whole.first(1000))),
              to_hex(digest_bytes(alg, std::span<const std::uint8_t>(data).first(1000))));
  }
  std::size_t chunks = 0;
  std::size_t seen = 0;
  EXPECT_TRUE(for_each_chunk(whole, [&](std::span<const std::uint8_t> chunk) {
    EXPECT_LE(chunk.size(), 256u << 10);
    seen += chunk.size();
    return ++chunks < 1000;
  }));
  EXPECT_EQ(seen, data.size());
  std::size_t calls = 0;  // a consumer that stops is not called again
  EXPECT_FALSE(for_each_chunk(whole, [&](std::span<const std::uint8_t>) { return ++calls < 3; }));
  EXPECT_EQ(calls, 3u);

  std::filesystem::resize_file(path, 3u << 20);  // shrinks under the mapping
  EXPECT_TRUE(digest_bytes(DigestAlgorithm::kSha256, whole).empty());
  EXPECT_TRUE(digest_bytes(DigestAlgorithm::kSha256, whole.first(2u << 20)).size() == 32);
}

TEST(Digest, EmptyFile) {
  const testing::TempDir dir;
  const std::string path = dir.path() + "/empty";
  std::ofstream(path).close();
  auto d = digest_file(path, DigestAlgorithm::kSha256);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(to_hex(*d), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, MissingFileIsIoError) {
  auto d = digest_file("/nonexistent/signet/file", DigestAlgorithm::kSha256);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, Errc::kIo);
  EXPECT_NE(d.error().message.find("/nonexistent/signet/file"), std::string::npos);
}

TEST(Digest, DirectoryIsIoError) {
  const testing::TempDir dir;
  auto d = digest_file(dir.path(), DigestAlgorithm::kSha256);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, Errc::kIo);
}

TEST(Digest, Names) {
  EXPECT_EQ(digest_name(DigestAlgorithm::kSha256), "sha256");
  EXPECT_EQ(digest_name(DigestAlgorithm::kSha384), "sha384");
  EXPECT_EQ(digest_name(DigestAlgorithm::kSha512), "sha512");
  EXPECT_EQ(digest_from_name("sha256"), DigestAlgorithm::kSha256);
  EXPECT_EQ(digest_from_name("SHA-384"), DigestAlgorithm::kSha384);
  EXPECT_EQ(digest_from_name("SHA512"), DigestAlgorithm::kSha512);
  EXPECT_EQ(digest_from_name("sha1"), std::nullopt);
  EXPECT_EQ(digest_from_name("md5"), std::nullopt);
  EXPECT_EQ(digest_from_name(""), std::nullopt);
  EXPECT_EQ(digest_from_name("sha256sha256"), std::nullopt);
  EXPECT_EQ(EVP_MD_get_size(digest_md(DigestAlgorithm::kSha384)), 48);
}

}  // namespace
}  // namespace signet::crypto
