// The scanner against a real temporary tree (walk, reuse, symlinks, special files, a file replaced
// between the listing and the read, one that vanishes, an interrupted scan) and the SQLite store
// (commit, rollback, previous state, differences).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include "crypto/digest.hpp"
#include "inventory/inventory_db.hpp"
#include "inventory/scanner.hpp"
#include "inventory/uring_reader.hpp"
#include "support/test_pki.hpp"

namespace signet::inventory {
namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string sha256(const std::string& text) {
  return to_hex(
      crypto::digest_bytes(crypto::DigestAlgorithm::kSha256,
                           {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}));
}

// Collects what the scanner hands over.
class MemorySink final : public RecordSink {
 public:
  Result<void> add(const FileRecord& record) override {
    records[record.path] = record;
    return {};
  }
  Result<void> reuse(const PreviousEntry& previous) override {
    reused.push_back(previous.object_id);
    return {};
  }
  std::map<std::string, FileRecord> records;
  std::vector<std::int64_t> reused;
};

std::string engine_name(const ::testing::TestParamInfo<ReadEngine>& info) {
  return info.param == ReadEngine::kUring ? "io_uring" : "threads";
}

// Every scan test runs with both read engines: io_uring and blocking threads.
class InventoryScan : public ::testing::TestWithParam<ReadEngine> {
 protected:
  void SetUp() override {
    options_.io = GetParam();
    if (options_.io == ReadEngine::kUring) {
      if (auto ring = RingReader::create(1, 4096); !ring) {
        GTEST_SKIP() << "no io_uring here: " << ring.error().describe();
      }
    }
    root_ = dir_.path() + "/tree";
    std::filesystem::create_directories(root_ + "/sub");
    write(root_ + "/a.txt", "alpha");
    write(root_ + "/sub/run.sh", "#!/bin/sh\ntrue\n");
    std::filesystem::create_symlink("a.txt", root_ + "/link");
    ASSERT_EQ(::mkfifo((root_ + "/fifo").c_str(), 0600), 0);
    options_.roots = {root_};
    options_.jobs = 2;
  }

  Result<ScanSummary> scan(RecordSink& sink, PreviousLoader loader = {},
                           const ScanHooks& hooks = {}) {
    ScanProgress progress;
    return run_scan(options_, std::move(loader), sink, progress, hooks);
  }

  testing::TempDir dir_;
  std::string root_;
  ScanOptions options_;
};

TEST_P(InventoryScan, RecordsFilesAndSymlinksSkipsSpecialFiles) {
  MemorySink sink;
  auto summary = scan(sink);
  ASSERT_TRUE(summary) << summary.error().describe();
  EXPECT_EQ(summary->files, 2u);
  EXPECT_EQ(summary->symlinks, 1u);
  EXPECT_EQ(summary->skipped_special, 1u);
  ASSERT_EQ(sink.records.size(), 3u);
  const auto& a = sink.records.at(root_ + "/a.txt");
  EXPECT_EQ(a.sha256, sha256("alpha"));
  EXPECT_EQ(a.size, 5u);
  EXPECT_EQ(a.kind, FileKind::kOther);
  EXPECT_EQ(a.signature.state, SignatureState::kUnsigned);
  EXPECT_EQ(sink.records.at(root_ + "/sub/run.sh").kind, FileKind::kScript);
  const auto& link = sink.records.at(root_ + "/link");
  EXPECT_EQ(link.type, EntryType::kSymlink);
  EXPECT_EQ(link.link_target, "a.txt");
  EXPECT_TRUE(link.sha256.empty());  // not followed
}

// Files not in the page cache are read with O_DIRECT (content_reader.cpp): evicted here with
// POSIX_FADV_DONTNEED after fsync. Sizes around the buffer and block boundaries; the digests must
// equal the bytes' digests however the reader got them (where the filesystem refuses O_DIRECT,
// the same files are simply read through the cache).
TEST_P(InventoryScan, FilesNotInThePageCacheAreReadCompletely) {
  std::map<std::string, std::string> want;
  std::string text;
  for (const std::size_t size : {std::size_t{16} << 10, std::size_t{20000}, std::size_t{1} << 20,
                                 (std::size_t{1} << 20) + 1, (std::size_t{3} << 20) + 4095}) {
    text.resize(size);
    for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>((i * 131 + size) % 251);
    const std::string path = root_ + "/cold-" + std::to_string(size) + ".bin";
    write(path, text);
    const int fd = ::open(path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    ::fsync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
    want[path] = sha256(text);
  }
  MemorySink sink;
  auto summary = scan(sink);
  ASSERT_TRUE(summary.has_value()) << summary.error().describe();
  for (const auto& [path, digest] : want) {
    ASSERT_TRUE(sink.records.contains(path)) << path;
    EXPECT_EQ(sink.records[path].sha256, digest) << path;
    EXPECT_EQ(sink.records[path].error, "") << path;
  }
}

TEST_P(InventoryScan, ExcludesByNameAndByPath) {
  options_.excludes = {"*.sh", root_ + "/link"};
  MemorySink sink;
  auto summary = scan(sink);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->excluded, 2u);
  EXPECT_EQ(sink.records.size(), 1u);
}

TEST_P(InventoryScan, FileReplacedBetweenListingAndReadIsRecordedAsRead) {
  MemorySink sink;
  ScanHooks hooks;
  hooks.before_open = [&](const std::string& path) {
    if (path != root_ + "/a.txt") return;
    write(root_ + "/replacement", "the replacement, longer");
    std::filesystem::rename(root_ + "/replacement", root_ + "/a.txt");
  };
  auto summary = scan(sink, {}, hooks);
  ASSERT_TRUE(summary);
  const auto& a = sink.records.at(root_ + "/a.txt");
  struct stat now {};
  ASSERT_EQ(::stat((root_ + "/a.txt").c_str(), &now), 0);
  EXPECT_EQ(a.sha256, sha256("the replacement, longer"));
  EXPECT_EQ(a.size, 23u);        // fstat of what was read, not the listing's 5 bytes
  EXPECT_EQ(a.ino, now.st_ino);  // and its inode
}

TEST_P(InventoryScan, FileReplacedBySymlinkOrRemovedIsReportedNotFollowed) {
  MemorySink sink;
  ScanHooks hooks;
  hooks.before_open = [&](const std::string& path) {
    if (path == root_ + "/a.txt") {
      std::filesystem::remove(path);
      std::filesystem::create_symlink("/etc/passwd", path);
    } else if (path == root_ + "/sub/run.sh") {
      std::filesystem::remove(path);
    }
  };
  auto summary = scan(sink, {}, hooks);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->vanished, 1u);
  EXPECT_FALSE(sink.records.contains(root_ + "/sub/run.sh"));
  const auto& a = sink.records.at(root_ + "/a.txt");
  EXPECT_TRUE(a.sha256.empty());
  EXPECT_EQ(a.error, "replaced by a symlink during the scan");
  EXPECT_EQ(summary->unreadable, 1u);
}

TEST_P(InventoryScan, StopFlagInterrupts) {
  std::atomic<bool> stop{false};
  options_.stop = &stop;
  MemorySink sink;
  ScanHooks hooks;
  hooks.before_open = [&](const std::string&) { stop = true; };
  auto summary = scan(sink, {}, hooks);
  ASSERT_TRUE(summary);
  EXPECT_TRUE(summary->interrupted);
}

TEST_P(InventoryScan, DatabaseCommitsReusesAndRollsBack) {
  const std::string db_path = dir_.path() + "/inv.db";
  auto db = InventoryDb::open(db_path);
  ASSERT_TRUE(db) << db.error().describe();
  const auto loader = [&](unsigned shard, unsigned shards) -> Result<PreviousState> {
    auto reader = InventoryDb::open_existing(db_path);
    if (!reader) return std::unexpected(reader.error());
    return reader->previous_state(options_.roots, "", shard, shards);
  };
  ScanInfo info;
  info.roots = options_.roots;
  std::int64_t first = 0;
  {
    auto writer = db->begin_scan(info);
    ASSERT_TRUE(writer) << writer.error().describe();
    auto summary = scan(*writer, loader);
    ASSERT_TRUE(summary);
    ASSERT_TRUE(writer->commit(*summary, {}));
    first = writer->scan_id();
  }
  {  // unchanged: nothing read again
    auto writer = db->begin_scan(info);
    ASSERT_TRUE(writer);
    auto summary = scan(*writer, loader);
    ASSERT_TRUE(summary);
    EXPECT_EQ(summary->hashed, 0u);
    EXPECT_EQ(summary->reused, 3u);
    ASSERT_TRUE(writer->commit(*summary, {}));
  }
  write(root_ + "/a.txt", "changed");
  {  // not committed: as if it never ran
    auto writer = db->begin_scan(info);
    ASSERT_TRUE(writer);
    auto summary = scan(*writer, loader);
    ASSERT_TRUE(summary);
    EXPECT_EQ(summary->hashed, 1u);
  }
  auto scans = db->scans();
  ASSERT_TRUE(scans);
  ASSERT_EQ(scans->size(), 2u);
  auto same = db->differing(first, scans->back().id);
  ASSERT_TRUE(same);
  EXPECT_TRUE(same->empty());
  {
    auto writer = db->begin_scan(info);
    ASSERT_TRUE(writer);
    auto summary = scan(*writer, loader);
    ASSERT_TRUE(summary);
    ASSERT_TRUE(writer->commit(*summary, {}));
  }
  auto latest = db->latest_scan();
  ASSERT_TRUE(latest && *latest);
  auto pairs = db->differing(first, (*latest)->id);
  ASSERT_TRUE(pairs);
  ASSERT_EQ(pairs->size(), 1u);
  EXPECT_EQ(pairs->front().path, root_ + "/a.txt");
  EXPECT_EQ(pairs->front().before->sha256, sha256("alpha"));
  EXPECT_EQ(pairs->front().after->sha256, sha256("changed"));
  auto entries = db->entries((*latest)->id);
  ASSERT_TRUE(entries);
  EXPECT_EQ(entries->size(), 3u);
}

// Hard links: a file with several names is read once; every name gets its digest, and its kind is
// judged by that name. The first name opened is held back a moment so that the walk finds the
// others while it is read (they wait for the read); names found after it share the finished read.
class HardLinks : public InventoryScan {
 protected:
  void SetUp() override {
    InventoryScan::SetUp();
    if (IsSkipped()) return;
    content_.assign(300000, 'x');
    content_.replace(0, 10, "#!/bin/sh\n");
    names_ = {root_ + "/linked.bin"};
    write(names_.front(), content_);
    for (int i = 0; i < 24; ++i) {
      const std::string dir = root_ + "/d" + std::to_string(i);
      std::filesystem::create_directories(dir);
      names_.push_back(dir + (i == 0 ? "/tool.sh" : "/linked.bin"));
      std::filesystem::create_hard_link(names_.front(), names_.back());
    }
  }

  bool is_name(const std::string& path) const {
    return std::find(names_.begin(), names_.end(), path) != names_.end();
  }

  // Hooks that count the names opened, run `act` on the first (kept in first_), and hold that
  // read back a moment so that the walk finds the other names while it is in flight.
  ScanHooks on_first_name(std::function<void(const std::string&)> act = {}) {
    ScanHooks hooks;
    hooks.before_open = [this, act = std::move(act)](const std::string& path) {
      if (!is_name(path) || opened_.fetch_add(1) != 0) return;
      first_ = path;
      if (act) act(path);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    };
    return hooks;
  }

  std::string content_;
  std::vector<std::string> names_;
  std::atomic<int> opened_{0};
  std::string first_;  // written by a reading thread, read after the scan
};

TEST_P(HardLinks, EveryNameIsRecordedFromOneRead) {
  MemorySink sink;
  ScanProgress progress;
  auto summary = run_scan(options_, {}, sink, progress, on_first_name());
  ASSERT_TRUE(summary) << summary.error().describe();
  EXPECT_EQ(opened_.load(), 1);  // the other names were never opened
  for (const auto& name : names_) {
    ASSERT_TRUE(sink.records.contains(name)) << name;
    const FileRecord& r = sink.records.at(name);
    EXPECT_EQ(r.sha256, sha256(content_)) << name;
    EXPECT_EQ(r.error, "") << name;
    EXPECT_EQ(r.size, content_.size()) << name;
    EXPECT_EQ(r.kind, FileKind::kScript) << name;
  }
  EXPECT_EQ(summary->shared_reads, names_.size() - 1);
  EXPECT_EQ(summary->hashed, names_.size() + 2);  // and a.txt, sub/run.sh
  EXPECT_EQ(summary->bytes_hashed, content_.size() + 5 + 15);
  EXPECT_EQ(progress.bytes.load(), content_.size() + 5 + 15);
}

TEST_P(HardLinks, NameRemovedBeforeItsReadLeavesTheOthersToBeReadOnTheirOwn) {
  MemorySink sink;
  auto summary =
      scan(sink, {}, on_first_name([](const std::string& path) { std::filesystem::remove(path); }));
  ASSERT_TRUE(summary) << summary.error().describe();
  EXPECT_EQ(summary->vanished, 1u);
  EXPECT_EQ(summary->shared_reads, 0u);
  EXPECT_EQ(opened_.load(), static_cast<int>(names_.size()));
  for (const auto& name : names_) {
    if (name == first_) {
      EXPECT_FALSE(sink.records.contains(name));
      continue;
    }
    ASSERT_TRUE(sink.records.contains(name)) << name;
    EXPECT_EQ(sink.records.at(name).sha256, sha256(content_)) << name;
  }
}

TEST_P(HardLinks, NameReplacedBeforeItsReadDoesNotLendItsContentToTheOthers) {
  MemorySink sink;
  auto summary = scan(sink, {}, on_first_name([this](const std::string& path) {
                        write(root_ + "/replacement", "another file");
                        std::filesystem::rename(root_ + "/replacement", path);
                      }));
  ASSERT_TRUE(summary) << summary.error().describe();
  EXPECT_EQ(summary->shared_reads, 0u);
  ASSERT_FALSE(first_.empty());
  EXPECT_EQ(sink.records.at(first_).sha256, sha256("another file"));
  for (const auto& name : names_) {
    if (name == first_) continue;
    ASSERT_TRUE(sink.records.contains(name)) << name;
    EXPECT_EQ(sink.records.at(name).sha256, sha256(content_)) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, HardLinks,
                         ::testing::Values(ReadEngine::kUring, ReadEngine::kThreads), engine_name);

INSTANTIATE_TEST_SUITE_P(Engines, InventoryScan,
                         ::testing::Values(ReadEngine::kUring, ReadEngine::kThreads), engine_name);

TEST(InventoryDbFile, RefusesAFileThatIsNotAnInventory) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/other.db";
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    sqlite3_exec(raw, "CREATE TABLE changes (id INTEGER)", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
  }
  auto db = InventoryDb::open(path);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("not an inventory"), std::string::npos);
  EXPECT_FALSE(InventoryDb::open_existing(dir.path() + "/missing.db"));
}

}  // namespace
}  // namespace signet::inventory
