// Evidence bundles' tar: round trip, GNU tar interop, and strict refusals.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/file_io.hpp"
#include "support/test_pki.hpp"
#include "telemetry/ustar.hpp"

namespace signet::telemetry {
namespace {

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::vector<TarMember> sample() {
  return {{"manifest.sig", bytes_of("sig")},
          {"events.jsonl", bytes_of(std::string(1000, 'e'))},
          {"signatures/1-plc1.st.sig", bytes_of("")}};
}

TEST(UstarTest, RoundTrip) {
  auto tar = write_ustar(sample(), 1'800'000'000);
  ASSERT_TRUE(tar);
  EXPECT_EQ(tar->size() % 512, 0u);
  EXPECT_TRUE(looks_like_ustar(*tar));
  auto entries = read_ustar(*tar);
  ASSERT_TRUE(entries) << entries.error().message;
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[1].name, "events.jsonl");
  EXPECT_EQ(std::string((*entries)[1].data.begin(), (*entries)[1].data.end()),
            std::string(1000, 'e'));
  EXPECT_TRUE((*entries)[2].data.empty());
}

TEST(UstarTest, GnuTarReadsIt) {
  signet::testing::TempDir dir;
  const auto path = std::filesystem::path(dir.path()) / "b.tar";
  auto tar = write_ustar(sample(), 1'800'000'000);
  ASSERT_TRUE(tar);
  ASSERT_TRUE(write_file_atomic(path, *tar));
  const std::string cmd = "tar -tf " + path.string() + " > " + dir.path() + "/list 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto list = read_file_text(dir.path() + "/list");
  ASSERT_TRUE(list);
  EXPECT_EQ(*list, "manifest.sig\nevents.jsonl\nsignatures/1-plc1.st.sig\n");
}

TEST(UstarTest, RefusesDamageAndTricks) {
  auto tar = write_ustar(sample(), 0);
  ASSERT_TRUE(tar);
  auto flipped = *tar;
  flipped[10] ^= 1;  // name byte: checksum no longer matches
  EXPECT_FALSE(read_ustar(flipped));
  auto truncated = *tar;
  truncated.resize(truncated.size() - 1024);
  EXPECT_FALSE(read_ustar(truncated));
  auto trailing = *tar;
  trailing.push_back(1);
  EXPECT_FALSE(read_ustar(trailing));
  EXPECT_FALSE(read_ustar(Bytes(100, 0)));
  EXPECT_FALSE(write_ustar(std::vector<TarMember>{{"../evil", {}}}, 0));
  EXPECT_FALSE(write_ustar(std::vector<TarMember>{{"/abs", {}}}, 0));
  auto twice = write_ustar(std::vector<TarMember>{{"a", {}}, {"b", {}}}, 0);
  ASSERT_TRUE(twice);
  // Rename the second member to "a" and fix its checksum: a duplicate name is refused.
  auto dup = *twice;
  dup[512] = 'a';
  unsigned sum = 0;
  for (std::size_t i = 512; i < 1024; ++i) sum += (i >= 512 + 148 && i < 512 + 156) ? ' ' : dup[i];
  std::snprintf(reinterpret_cast<char*>(&dup[512 + 148]), 8, "%06o", sum);
  dup[512 + 155] = ' ';
  EXPECT_FALSE(read_ustar(dup));
}

}  // namespace
}  // namespace signet::telemetry
