// `signet scan`: walks the roots (tree_walker), reads and hashes changed files on a pool of
// workers (content_reader), detects kind and signature status (file_kind, signature_check), and
// hands every record to a RecordSink (the inventory database) from one thread. Files whose
// device, inode, size, mtime and ctime (and mode, owner, separate signature) equal the previous
// scan's are not read again: the sink re-records the previous observation.
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "crypto/sha256_lanes.hpp"
#include "inventory/record.hpp"
#include "policy/policy.hpp"

namespace signet::inventory {

// What the previous scan saw at a path: enough to decide "unchanged" and to count it (kept small:
// one per file of the tree is held in memory during a scan).
struct PreviousEntry {
  std::int64_t path_id = 0;
  std::int64_t object_id = 0;
  std::uint64_t dev = 0, ino = 0, size = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;
  std::uint32_t mode = 0, uid = 0, gid = 0;
  EntryType type = EntryType::kFile;
  FileKind kind = FileKind::kOther;
  SignatureState state = SignatureState::kUnsigned;
  std::string link_target;    // symlinks
  std::string sidecar_state;  // FileRecord::sidecar_state

  // The incremental rule: unchanged when device, inode, size, mtime and ctime are (and mode,
  // owner, the separate signature's identity, a symlink's target).
  [[nodiscard]] bool matches(const struct stat& st, EntryType listed_type,
                             std::string_view listed_sidecar_state,
                             std::string_view listed_link_target) const noexcept {
    return type == listed_type && dev == st.st_dev && ino == st.st_ino &&
           size == static_cast<std::uint64_t>(st.st_size) && mtime_ns == nanoseconds(st.st_mtim) &&
           ctime_ns == nanoseconds(st.st_ctim) && mode == st.st_mode && uid == st.st_uid &&
           gid == st.st_gid && sidecar_state == listed_sidecar_state &&
           link_target == listed_link_target;
  }
  static std::int64_t nanoseconds(const struct timespec& t) noexcept {
    return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
  }
};
// Everything the previous scans saw, by raw path: an open-addressing table over one vector of
// entries, paths in large blocks — no allocation per path, since a rescan of a large tree loads
// and looks up every path once. Built by one thread, then read by many.
class PreviousState {
 public:
  void reserve(std::size_t entries);
  void add(std::string_view path, PreviousEntry entry);
  [[nodiscard]] static std::size_t hash(std::string_view path) noexcept {
    return std::hash<std::string_view>{}(path);
  }
  // `hash` is hash(path).
  [[nodiscard]] const PreviousEntry* find(std::string_view path, std::size_t hash) const noexcept;
  [[nodiscard]] const PreviousEntry* find(std::string_view path) const noexcept {
    return find(path, hash(path));
  }
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct Slot {
    std::size_t hash;
    std::string_view path;
  };
  std::string_view intern(std::string_view path);
  void grow();

  std::vector<PreviousEntry> entries_;
  std::vector<Slot> keys_;            // parallel to entries_
  std::vector<std::uint32_t> table_;  // index + 1 into entries_; 0: empty
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t used_ = 0;
};

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // A new observation of a path.
  [[nodiscard]] virtual Result<void> add(const FileRecord& record) = 0;
  // A path is as the previous scan saw it.
  [[nodiscard]] virtual Result<void> reuse(const PreviousEntry& previous) = 0;
};

// How file contents are read. kAuto: through io_uring (uring_reader.hpp) where the kernel allows
// it, else kThreads: blocking reads on `jobs` threads. kUring fails where io_uring is unavailable.
enum class ReadEngine { kAuto, kUring, kThreads };

struct ScanOptions {
  std::vector<std::string> roots;  // absolute, normalized
  std::vector<std::string> excludes;
  bool cross_mounts = false;
  bool full = false;  // read every file, even unchanged ones
  ReadEngine io = ReadEngine::kAuto;
  // SHA-256 of the contents: the fastest engine this machine allows (crypto/sha256_lanes.hpp),
  // or OpenSSL when set (`--hash-engine openssl`).
  bool openssl_sha256 = false;
  // Files read at once. io_uring: spread over one thread per core; 0: 32 per core.
  // Threads: one reader thread each; 0: twice the cores, 16 to 64 (the threads wait on I/O).
  unsigned jobs = 0;
  unsigned walk_threads = 0;  // directory-walking threads; 0: twice the cores, at most 8
  unsigned load_threads = 1;  // threads loading the previous state
  std::size_t read_buffer_bytes = 1 << 20;  // per reader thread; per file in flight: a quarter
  // Files that may carry a signature are held in memory for their format unit up to this size;
  // larger ones are recorded as unverified.
  std::uint64_t max_content_bytes = std::uint64_t{256} << 20;
  const policy::Policy* policy = nullptr;  // judge signatures by it (else: cryptography only)
  TimePoint now{};
  std::string host;
  const std::atomic<bool>* stop = nullptr;  // SIGINT/SIGTERM: stop walking, record nothing
};

struct ScanProgress {
  std::atomic<std::uint64_t> seen{0};      // files and symlinks found
  std::atomic<std::uint64_t> done{0};      // recorded
  std::atomic<std::uint64_t> hashed{0};    // read again
  std::atomic<std::uint64_t> bytes{0};     // bytes read
  std::atomic<std::uint64_t> expected{0};  // what the previous scan recorded (0: unknown)
};

// Test seam: called on a worker just before it opens a file it decided to read.
struct ScanHooks {
  std::function<void(const std::string& path)> before_open;
};

struct ScanProblem {
  std::string path;  // raw
  std::string message;
};

struct ScanSummary {
  std::uint64_t files = 0;
  std::uint64_t symlinks = 0;
  std::uint64_t hashed = 0;        // read and hashed in this scan
  std::uint64_t shared_reads = 0;  // of those: other names of a hard-linked file read once
  std::uint64_t reused = 0;        // unchanged since the previous scan
  std::uint64_t bytes_hashed = 0;  // read (a hard-linked file's once)
  std::uint64_t unreadable = 0;    // recorded without a digest (permission denied, changing, ...)
  std::uint64_t vanished = 0;      // listed, then gone before they could be read
  std::uint64_t skipped_special = 0;
  std::uint64_t skipped_mounts = 0;
  std::uint64_t excluded = 0;
  std::uint64_t errors = 0;                       // paths that could not be walked or read
  std::map<std::string, std::uint64_t> by_kind;   // kind_name -> files
  std::map<std::string, std::uint64_t> by_state;  // signature_state_name -> files
  std::vector<ScanProblem> problems;              // the first kMaxProblems
  bool interrupted = false;
  bool io_uring = false;  // the contents were read through io_uring
  crypto::Sha256Engine sha256_engine = crypto::Sha256Engine::kOpenssl;  // that hashed them
  static constexpr std::size_t kMaxProblems = 1000;
};

// What earlier scans saw, loaded while the walk starts, in `shards` parts on as many threads
// (each with its own database connection, never the sink's): part `shard` holds the paths whose
// path id modulo `shards` is `shard`. Empty function: no previous state.
using PreviousLoader = std::function<Result<PreviousState>(unsigned shard, unsigned shards)>;

// Runs the scan. An error from the sink or the loader aborts it (returned); nothing else does:
// unreadable paths are problems in the summary. With options.stop set meanwhile,
// summary.interrupted is set and the caller must not commit.
[[nodiscard]] Result<ScanSummary> run_scan(const ScanOptions& options, PreviousLoader load_previous,
                                           RecordSink& sink, ScanProgress& progress,
                                           const ScanHooks& hooks = {});

// "dev:ino:size:mtime_ns:ctime_ns" of a separate signature file (FileRecord::sidecar_state).
[[nodiscard]] std::string sidecar_state_of(std::uint64_t dev, std::uint64_t ino, std::uint64_t size,
                                           std::int64_t mtime_ns, std::int64_t ctime_ns);

}  // namespace signet::inventory
