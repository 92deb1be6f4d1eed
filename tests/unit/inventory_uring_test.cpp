// RingReader (the io_uring engine of a scan) against real files on the test's temporary
// directory: cached and evicted files of sizes around its chunk and block boundaries, a file kept
// whole for its format unit, a file that changes while its read is in flight, a vanished file, and
// the same digests as the blocking reader. Where the kernel refuses io_uring the tests say so and
// are skipped (the scan then uses threads; inventory_scan_test covers that engine).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "crypto/digest.hpp"
#include "inventory/content_reader.hpp"
#include "inventory/file_kind.hpp"
#include "inventory/uring_reader.hpp"
#include "support/test_pki.hpp"

namespace signet::inventory {
namespace {

constexpr std::size_t kChunk = 64 << 10;

std::string sha256(const std::string& text) {
  return to_hex(
      crypto::digest_bytes(crypto::DigestAlgorithm::kSha256,
                           {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}));
}

std::string pattern(std::size_t size, std::size_t seed) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>((i * 131 + seed) % 251);
  return text;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// Out of the page cache: written back, then dropped (POSIX_FADV_DONTNEED).
void evict(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ::fsync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

// In the page cache but for its first `length` bytes: evicted, then the rest read back (a range
// cannot be evicted alone from a large folio that the write left behind).
void cache_all_but_front(const std::string& path, std::size_t size, std::size_t length) {
  evict(path);
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  std::string rest(size - length, '\0');
  EXPECT_EQ(::pread(fd, rest.data(), rest.size(), static_cast<off_t>(length)),
            static_cast<ssize_t>(rest.size()));
  ::close(fd);
}

Cached cache_state(const std::string& path, std::uint64_t size, bool use_cachestat = true) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Cached::kUnknown;
  const Cached state = page_cache_holds(fd, size, use_cachestat);
  ::close(fd);
  return state;
}

class Ring : public ::testing::Test {
 protected:
  void SetUp() override {
    dirfd_ = ::open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dirfd_, 0);
    auto ring = RingReader::create(4, kChunk);
    if (!ring) GTEST_SKIP() << "no io_uring here: " << ring.error().describe();
    ring_ = std::move(*ring);
  }
  void TearDown() override {
    ring_.reset();
    if (dirfd_ >= 0) ::close(dirfd_);
  }

  // Reads every name through the ring, several at once, and returns the results by name.
  std::map<std::string, ContentRead> read_all(const std::vector<std::string>& names,
                                              bool keep = false) {
    std::map<std::string, ContentRead> results;
    std::map<unsigned, const std::string*> in_flight;
    std::vector<ReadRequest> requests;
    requests.reserve(names.size());
    for (const auto& name : names) requests.push_back({dirfd_, &name, keep, 64u << 20});
    const auto done = [&](unsigned slot, ContentRead&& read) {
      results[*in_flight.at(slot)] = std::move(read);
      in_flight.erase(slot);
    };
    for (const auto& request : requests) {
      while (!ring_->has_room()) ring_->wait(done);
      unsigned slot = 0;
      if (auto settled = ring_->start(request, slot)) {
        results[*request.name] = std::move(*settled);
      } else {
        in_flight[slot] = request.name;
      }
    }
    while (ring_->busy() > 0) ring_->wait(done);
    return results;
  }

  // Writes a file, out of the page cache when `cold`, and notes its name and text.
  void add_file(const std::string& name, std::string text, bool cold,
                std::map<std::string, std::string>& texts, std::vector<std::string>& names) {
    write(dir_.path() + "/" + name, text);
    if (cold) evict(dir_.path() + "/" + name);
    texts[name] = std::move(text);
    names.push_back(name);
  }

  testing::TempDir dir_;
  int dirfd_ = -1;
  std::unique_ptr<RingReader> ring_;
};

TEST_F(Ring, CachedAndEvictedFilesGiveTheDigestsOfTheirBytes) {
  std::map<std::string, std::string> texts;
  std::vector<std::string> names;
  int n = 0;
  for (const std::size_t size :
       {std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{4096}, std::size_t{4097},
        kChunk - 1, kChunk, kChunk + 1, 5 * kChunk + 123, std::size_t{3} << 20}) {
    for (const bool cold : {false, true}) {
      add_file("f" + std::to_string(n++) + (cold ? "-cold" : "-warm"),
               pattern(size, size + (cold ? 7 : 0)), cold, texts, names);
    }
  }
  const auto results = read_all(names);
  ASSERT_EQ(results.size(), names.size());
  for (const auto& [name, text] : texts) {
    const ContentRead& read = results.at(name);
    EXPECT_EQ(read.error, "") << name;
    EXPECT_EQ(read.sha256, sha256(text)) << name;
    EXPECT_EQ(read.bytes_read, text.size()) << name;
    EXPECT_EQ(static_cast<std::size_t>(read.st.st_size), text.size()) << name;
    EXPECT_EQ(read.head, Bytes(text.begin(), text.begin() + std::min(text.size(), kHeadBytes)))
        << name;
    const std::size_t tail = std::min(text.size(), kTailBytes);
    EXPECT_EQ(read.tail, Bytes(text.end() - static_cast<long>(tail), text.end())) << name;
    EXPECT_TRUE(read.content.empty()) << name;  // nothing asked it to be kept
  }
}

TEST_F(Ring, ChunksOfTwoFilesHashedTogetherGiveEachItsOwnDigest) {
  // Files of every size class, cached and not, in a random order: chunks of the page-cache pump
  // and of the ring pair up across files (and whatever is left of a longer chunk waits for the
  // next one), so every file ends up beside partners of other lengths and alignments.
  std::mt19937 rng(42);
  std::map<std::string, std::string> texts;
  std::vector<std::string> names;
  for (int n = 0; n < 60; ++n) {
    const std::size_t size = rng() % 4 == 0 ? rng() % (9 * kChunk) : rng() % 5000;
    const bool cold = rng() % 3 == 0;
    add_file("p" + std::to_string(n) + (cold ? "-cold" : "-warm"), pattern(size, n), cold, texts,
             names);
  }
  const auto results = read_all(names);
  ASSERT_EQ(results.size(), names.size());
  std::uint64_t total = 0;
  for (const auto& [name, text] : texts) {
    const ContentRead& read = results.at(name);
    EXPECT_EQ(read.error, "") << name;
    EXPECT_EQ(read.sha256, sha256(text)) << name << ", " << text.size() << " bytes";
    EXPECT_EQ(read.bytes_read, text.size()) << name;
    total += text.size();
  }
  // Most of the bytes went two at a time (the cached files are read before the caller's next
  // start; what pairs with nothing is hashed alone).
  EXPECT_GT(ring_->paired_bytes(), total / 2);
  EXPECT_LE(ring_->paired_bytes(), total);
}

TEST_F(Ring, MatchesTheBlockingReader) {
  const std::string name = "same.bin";
  write(dir_.path() + "/" + name, pattern((2 << 20) + 4321, 3));
  evict(dir_.path() + "/" + name);
  const auto ring_read = read_all({name});
  auto reader = ContentReader::create(kChunk);
  ASSERT_TRUE(reader);
  evict(dir_.path() + "/" + name);
  const ContentRead blocking = reader->read({dirfd_, &name, false, 0});
  EXPECT_EQ(ring_read.at(name).sha256, blocking.sha256);
  EXPECT_EQ(ring_read.at(name).head, blocking.head);
  EXPECT_EQ(ring_read.at(name).tail, blocking.tail);
}

// A file the page cache holds but for a few pages (the kernel dropped them) is read through the
// cache, which fetches the missing pages into it; a file it does not hold is read with O_DIRECT and
// leaves the cache as it was. Both engines.
TEST_F(Ring, AMostlyCachedFileIsReadThroughTheCache) {
  constexpr std::size_t kSize = std::size_t{4} << 20;
  const std::string mostly = "mostly.bin";
  const std::string cold = "cold.bin";
  write(dir_.path() + "/" + mostly, pattern(kSize, 11));
  write(dir_.path() + "/" + cold, pattern(kSize, 12));
  for (int engine = 0; engine < 2; ++engine) {
    SCOPED_TRACE(engine == 0 ? "io_uring" : "blocking reads");
    cache_all_but_front(dir_.path() + "/" + mostly, kSize, 256 << 10);  // 1 page in 16 gone
    evict(dir_.path() + "/" + cold);
    ASSERT_EQ(cache_state(dir_.path() + "/" + mostly, kSize), Cached::kMost);
    ASSERT_EQ(cache_state(dir_.path() + "/" + cold, kSize), Cached::kNotAll);
    std::map<std::string, ContentRead> results;
    if (engine == 0) {
      results = read_all({mostly, cold});
    } else {
      auto reader = ContentReader::create(kChunk);
      ASSERT_TRUE(reader);
      for (const auto* name : {&mostly, &cold}) {
        results[*name] = reader->read({dirfd_, name, false, 0});
      }
    }
    EXPECT_EQ(results.at(mostly).error, "");
    EXPECT_EQ(results.at(mostly).sha256, sha256(pattern(kSize, 11)));
    EXPECT_EQ(results.at(cold).sha256, sha256(pattern(kSize, 12)));
    EXPECT_EQ(cache_state(dir_.path() + "/" + mostly, kSize), Cached::kAll);
    EXPECT_NE(cache_state(dir_.path() + "/" + cold, kSize), Cached::kAll);
  }
}

// Kept content (a file with a separate signature, or one that may embed one: "MZ") is read to its
// end by the calling thread once its first chunk has shown that it is kept: complete and exact.
TEST_F(Ring, KeptContentIsComplete) {
  const std::string pe = "MZ" + pattern(3 * kChunk + 17, 5);
  const std::string other = pattern(2 * kChunk + 1, 9);
  write(dir_.path() + "/signed.exe", pe);
  write(dir_.path() + "/with-sidecar.bin", other);
  evict(dir_.path() + "/signed.exe");
  evict(dir_.path() + "/with-sidecar.bin");
  const auto kept = read_all({"with-sidecar.bin"}, true);
  const auto embedded = read_all({"signed.exe"});
  const ContentRead& a = kept.at("with-sidecar.bin");
  EXPECT_TRUE(a.content_complete);
  EXPECT_EQ(a.content, Bytes(other.begin(), other.end()));
  EXPECT_EQ(a.sha256, sha256(other));
  const ContentRead& b = embedded.at("signed.exe");
  EXPECT_TRUE(b.content_complete);
  EXPECT_EQ(b.content, Bytes(pe.begin(), pe.end()));
  EXPECT_EQ(b.sha256, sha256(pe));
}

// A file that changes while its read is in flight is read once more; what is recorded is the
// digest of the new bytes with the new fstat, and the bytes of both attempts are counted.
TEST_F(Ring, FileChangedWhileInFlightIsReadAgain) {
  const std::string name = "changing.bin";
  const std::string before = pattern(4 * kChunk, 1);
  const std::string after = pattern(6 * kChunk + 5, 2);
  write(dir_.path() + "/" + name, before);
  evict(dir_.path() + "/" + name);
  const ReadRequest request{dirfd_, &name, false, 0};
  unsigned slot = 0;
  // Cold: its first read is queued, and submitted by wait() only, after the file has changed.
  ASSERT_FALSE(ring_->start(request, slot).has_value());
  write(dir_.path() + "/" + name, after);  // same inode, new size and mtime
  std::optional<ContentRead> result;
  while (!result) {
    ring_->wait([&](unsigned s, ContentRead&& read) {
      EXPECT_EQ(s, slot);
      result = std::move(read);
    });
  }
  EXPECT_EQ(result->error, "");
  EXPECT_EQ(result->sha256, sha256(after));
  EXPECT_EQ(static_cast<std::size_t>(result->st.st_size), after.size());
  EXPECT_GT(result->bytes_read, after.size());  // the first attempt's bytes count too
}

// Two reads of a file are in flight at once; when the file shrinks under them, the second one
// lands short or empty, past what the first left: dropped, the file read again from the start.
TEST_F(Ring, FileShrunkWhileInFlightIsReadAgain) {
  const std::string name = "shrinking.bin";
  const std::string before = pattern(4 * kChunk, 4);
  const std::string after = pattern(kChunk + 100, 6);
  write(dir_.path() + "/" + name, before);
  evict(dir_.path() + "/" + name);
  const ReadRequest request{dirfd_, &name, false, 0};
  unsigned slot = 0;
  ASSERT_FALSE(ring_->start(request, slot).has_value());
  write(dir_.path() + "/" + name, after);
  evict(dir_.path() + "/" + name);
  std::optional<ContentRead> result;
  while (!result) {
    ring_->wait([&](unsigned, ContentRead&& read) { result = std::move(read); });
  }
  EXPECT_EQ(result->error, "");
  EXPECT_EQ(result->sha256, sha256(after));
  EXPECT_EQ(static_cast<std::size_t>(result->st.st_size), after.size());
  EXPECT_EQ(result->tail, Bytes(after.end() - static_cast<long>(kTailBytes), after.end()));
}

// Should the ring itself fail, no file is lost: each one it holds is reported, as unreadable with
// the reason, and the ring takes no more (the scan reads the rest with threads).
TEST_F(Ring, ABrokenRingReportsEveryFileItHeld) {
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) {
    names.push_back("held-" + std::to_string(i));
    write(dir_.path() + "/" + names.back(), pattern(3 * kChunk, static_cast<std::size_t>(i)));
    evict(dir_.path() + "/" + names.back());
  }
  std::map<unsigned, std::string> in_flight;
  for (const auto& name : names) {
    unsigned slot = 0;
    ASSERT_FALSE(ring_->start({dirfd_, &name, false, 0}, slot).has_value());
    in_flight[slot] = name;
  }
  ring_->break_for_test("io_uring failed: test");
  EXPECT_FALSE(ring_->has_room());
  std::map<std::string, ContentRead> results;
  ring_->wait([&](unsigned slot, ContentRead&& read) { results[in_flight.at(slot)] = read; });
  ASSERT_EQ(results.size(), names.size());
  for (const auto& [name, read] : results) {
    EXPECT_EQ(read.error, "io_uring failed: test") << name;
    EXPECT_TRUE(read.sha256.empty()) << name;
  }
  EXPECT_EQ(ring_->busy(), 0u);
}

TEST_F(Ring, VanishedAndSpecialFilesAreSettledAtOnce) {
  ASSERT_EQ(::mkfifo((dir_.path() + "/fifo").c_str(), 0600), 0);
  const std::string gone = "gone";
  const std::string fifo = "fifo";
  unsigned slot = 0;
  auto missing = ring_->start({dirfd_, &gone, false, 0}, slot);
  ASSERT_TRUE(missing.has_value());
  EXPECT_TRUE(missing->vanished);
  auto special = ring_->start({dirfd_, &fifo, false, 0}, slot);  // O_NONBLOCK: no hang
  ASSERT_TRUE(special.has_value());
  EXPECT_EQ(special->error, "no longer a regular file");
  EXPECT_EQ(ring_->busy(), 0u);
}

// The first attempt takes a file's size and metadata from the walk's lstat instead of an fstat.
// A name that became something else since it was listed is never read as what the listing said:
// a FIFO or a directory is settled as no longer a regular file (without a hang), and another
// regular file put in its place is read again and recorded with its own fstat.
TEST_F(Ring, ANameReplacedSinceItWasListedIsNotTakenForWhatTheListingSaw) {
  const std::vector<std::string> names = {"to-fifo", "to-dir", "to-file", "kept"};
  std::map<std::string, struct stat> listed;
  for (const auto& name : names) {
    write(dir_.path() + "/" + name, pattern(5000, name.size()));
    struct stat st {};
    ASSERT_EQ(::fstatat(dirfd_, name.c_str(), &st, AT_SYMLINK_NOFOLLOW), 0);
    listed[name] = st;
  }
  const std::string replacement = pattern(9000, 77);
  ASSERT_EQ(::unlink((dir_.path() + "/to-fifo").c_str()), 0);
  ASSERT_EQ(::mkfifo((dir_.path() + "/to-fifo").c_str(), 0600), 0);
  ASSERT_EQ(::unlink((dir_.path() + "/to-dir").c_str()), 0);
  ASSERT_EQ(::mkdir((dir_.path() + "/to-dir").c_str(), 0700), 0);
  write(dir_.path() + "/new", replacement);
  ASSERT_EQ(::rename((dir_.path() + "/new").c_str(), (dir_.path() + "/to-file").c_str()), 0);
  std::map<std::string, ContentRead> results;
  for (const auto& name : names) {
    unsigned slot = 0;
    auto settled = ring_->start({dirfd_, &name, false, 0, &listed.at(name)}, slot);
    if (settled) {
      results[name] = std::move(*settled);
      continue;
    }
    while (ring_->busy() > 0) {
      ring_->wait([&](unsigned, ContentRead&& read) { results[name] = std::move(read); });
    }
  }
  EXPECT_EQ(results.at("to-fifo").error, "no longer a regular file");
  EXPECT_EQ(results.at("to-dir").error, "no longer a regular file");
  EXPECT_TRUE(results.at("to-fifo").sha256.empty());
  const ContentRead& replaced = results.at("to-file");
  EXPECT_EQ(replaced.error, "");
  EXPECT_EQ(replaced.sha256, sha256(replacement));
  EXPECT_NE(replaced.st.st_ino, listed.at("to-file").st_ino);
  EXPECT_EQ(static_cast<std::size_t>(replaced.st.st_size), replacement.size());
  const ContentRead& kept = results.at("kept");
  EXPECT_EQ(kept.error, "");
  EXPECT_EQ(kept.sha256, sha256(pattern(5000, 4)));
  EXPECT_EQ(kept.bytes_read, 5000u);  // read once: the listing was right
  EXPECT_EQ(kept.st.st_ino, listed.at("kept").st_ino);
  EXPECT_EQ(ring_->busy(), 0u);
}

// After a long run of files the page cache held whole, small files are read without asking it
// first; one that is not cached after all goes to the ring (its first read started the kernel's
// readahead) and still gives the digest of its bytes. Then the reader asks again.
TEST_F(Ring, SmallFilesAreNotProbedWhileTheCacheKeepsHoldingThem) {
  std::map<std::string, std::string> texts;
  std::vector<std::string> names;
  for (int n = 0; n < 80; ++n) {
    // Cached first; then a run that alternates evicted and cached files.
    const bool cold = n >= 50 && n % 2 == 0;
    add_file("s" + std::to_string(n) + (cold ? "-cold" : "-warm"),
             pattern(static_cast<std::size_t>(n) * 517 % kChunk, n), cold, texts, names);
  }
  const auto results = read_all(names);
  ASSERT_EQ(results.size(), names.size());
  for (const auto& [name, text] : texts) {
    EXPECT_EQ(results.at(name).error, "") << name;
    EXPECT_EQ(results.at(name).sha256, sha256(text)) << name << ", " << text.size() << " bytes";
    EXPECT_EQ(results.at(name).bytes_read, text.size()) << name;
  }
  EXPECT_GT(ring_->unprobed_files(), 0u);
  EXPECT_LT(ring_->unprobed_files(), names.size() - 32);
}

std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

// Descriptors are closed through the ring, in batches: none is left open once the files are
// reported and the reader is gone, whether the files were read, settled at once or held by a ring
// that broke.
TEST_F(Ring, LeavesNoDescriptorOpen) {
  std::vector<std::string> names;
  for (int n = 0; n < 40; ++n) {
    names.push_back("d" + std::to_string(n));
    write(dir_.path() + "/" + names.back(), pattern(static_cast<std::size_t>(n) * 3001, n));
    if (n % 3 == 0) evict(dir_.path() + "/" + names.back());
  }
  ASSERT_EQ(::mkfifo((dir_.path() + "/fifo").c_str(), 0600), 0);
  names.emplace_back("fifo");
  names.emplace_back("missing");
  const std::size_t before = open_descriptors();
  const auto results = read_all(names);
  EXPECT_EQ(results.size(), names.size());
  EXPECT_EQ(results.at("fifo").error, "no longer a regular file");
  ring_.reset();  // (the ring's own descriptor was open before too)
  EXPECT_EQ(open_descriptors(), before - 1);

  // A ring that breaks with closes queued and files in flight.
  auto ring = RingReader::create(4, kChunk);
  ASSERT_TRUE(ring);
  ring_ = std::move(*ring);
  const std::size_t again = open_descriptors();
  const auto done = [](unsigned, ContentRead&&) {};
  for (std::size_t i = 0; i < 12; ++i) {
    while (!ring_->has_room() && !ring_->broken()) ring_->wait(done);
    if (i == 9) ring_->break_for_test("io_uring failed: test");
    if (ring_->broken()) break;
    unsigned slot = 0;
    // The FIFO is settled at once: its close waits, queued, for the next submit.
    const std::string& name = i == 8 ? names[40] : names[i];
    (void)ring_->start({dirfd_, &name, false, 0}, slot);
  }
  if (ring_->busy() > 0) ring_->wait(done);
  ring_.reset();
  EXPECT_EQ(open_descriptors(), again - 1);
}

// The read mode is set with one F_SETFL from the flags the file was opened with: O_DIRECT on or
// off, O_NONBLOCK off for the ring, and O_NOATIME (when the open had it) kept throughout.
TEST(ReadMode, SwitchesDirectAndBlockingAndKeepsTheOpenFlags) {
  testing::TempDir dir;
  const std::string name = "mode.bin";
  write(dir.path() + "/" + name, pattern(8192, 5));
  const int dirfd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dirfd, 0);
  FileRead file;
  ASSERT_TRUE(file.open({.dirfd = dirfd, .name = &name}));
  const int opened = ::fcntl(file.fd(), F_GETFL);
  ASSERT_GE(opened, 0);
  EXPECT_NE(opened & O_NONBLOCK, 0);
  EXPECT_EQ(opened & O_DIRECT, 0);
  const int noatime = opened & O_NOATIME;  // set where permitted (root, or the file's owner)

  const bool direct = file.set_read_mode(true, true);
  int now = ::fcntl(file.fd(), F_GETFL);
  EXPECT_EQ(now & O_DIRECT, direct ? O_DIRECT : 0);
  EXPECT_EQ(now & O_NONBLOCK, 0);
  EXPECT_EQ(now & O_NOATIME, noatime);
  EXPECT_EQ(now & O_ACCMODE, O_RDONLY);

  EXPECT_FALSE(file.set_read_mode(false));
  now = ::fcntl(file.fd(), F_GETFL);
  EXPECT_EQ(now & O_DIRECT, 0);
  EXPECT_NE(now & O_NONBLOCK, 0);
  EXPECT_EQ(now & O_NOATIME, noatime);
  ::close(dirfd);
}

// cachestat(2) where the kernel has it (else it falls back by itself), and mincore(2) as on
// Debian 12's own kernel.
class PageCacheProbe : public ::testing::TestWithParam<bool> {};

TEST_P(PageCacheProbe, SaysWhetherEveryPageIsCached) {
  const bool cachestat = GetParam();
  testing::TempDir dir;
  const std::string path = dir.path() + "/probe.bin";
  write(path, pattern(1 << 20, 4));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(page_cache_holds(fd, 0, cachestat), Cached::kAll);
  EXPECT_EQ(page_cache_holds(fd, 1 << 20, cachestat), Cached::kAll);  // just written
  ::fsync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  EXPECT_EQ(page_cache_holds(fd, 1 << 20, cachestat), Cached::kNotAll);
  char byte = 0;
  ASSERT_EQ(::pread(fd, &byte, 1, 0), 1);  // some pages back (readahead), not all
  EXPECT_EQ(page_cache_holds(fd, 1 << 20, cachestat), Cached::kNotAll);
  ::close(fd);
  // All but the first 16 pages of 256: most of it (9 in 10 or more); all but 32: not.
  for (const auto& [front, expected] :
       {std::pair{64 << 10, Cached::kMost}, std::pair{128 << 10, Cached::kNotAll}}) {
    cache_all_but_front(path, 1 << 20, front);
    EXPECT_EQ(cache_state(path, 1 << 20, cachestat), expected) << front;
  }
  // Larger than what mincore(2) looks at (64 MiB): cachestat(2) sees the whole file and says
  // kMost; mincore sees only the front and never says kMost (the rest may not be cached at all).
  const std::string big = dir.path() + "/big.bin";
  constexpr std::size_t kBig = (std::size_t{64} << 20) + (1 << 20);
  write(big, pattern(kBig, 6));
  cache_all_but_front(big, kBig, 256 << 10);
  EXPECT_EQ(cache_state(big, kBig, cachestat), cachestat ? Cached::kMost : Cached::kNotAll);
}

INSTANTIATE_TEST_SUITE_P(Calls, PageCacheProbe, ::testing::Values(true, false),
                         [](const auto& param_info) {
                           return param_info.param ? "cachestat" : "mincore";
                         });

}  // namespace
}  // namespace signet::inventory
