// `signet scan`: walks the roots (tree_walker), reads and hashes changed files on a pool of
// workers (content_reader), detects kind and signature status (file_kind, signature_check), and
// hands every record to a RecordSink (the inventory database) from one thread. Files whose
// device, inode, size, mtime and ctime (and mode, owner, separate signature) equal the previous
// scan's are not read again: the sink re-records the previous observation.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
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

  // FileRecord::same_stat() against what the walk just listed.
  [[nodiscard]] bool matches(const FileRecord& listed) const noexcept {
    return type == listed.type && dev == listed.dev && ino == listed.ino && size == listed.size &&
           mtime_ns == listed.mtime_ns && ctime_ns == listed.ctime_ns && mode == listed.mode &&
           uid == listed.uid && gid == listed.gid && sidecar_state == listed.sidecar_state &&
           link_target == listed.link_target;
  }
};
using PreviousState = std::unordered_map<std::string, PreviousEntry>;  // by raw path

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // A new observation of a path.
  [[nodiscard]] virtual Result<void> add(const FileRecord& record) = 0;
  // The path is as the previous scan saw it.
  [[nodiscard]] virtual Result<void> reuse(const std::string& path,
                                           const PreviousEntry& previous) = 0;
};

struct ScanOptions {
  std::vector<std::string> roots;  // absolute, normalized
  std::vector<std::string> excludes;
  bool cross_mounts = false;
  bool full = false;  // read every file, even unchanged ones
  unsigned jobs = 0;  // reader threads; 0: twice the cores (reads also wait on I/O)
  std::size_t read_buffer_bytes = 1 << 20;
  // Files that may carry a signature are held in memory for their format unit up to this size;
  // larger ones are recorded as unverified.
  std::uint64_t max_content_bytes = std::uint64_t{256} << 20;
  const policy::Policy* policy = nullptr;  // judge signatures by it (else: cryptography only)
  TimePoint now{};
  std::string host;
  const std::atomic<bool>* stop = nullptr;  // SIGINT/SIGTERM: stop walking, record nothing
};

struct ScanProgress {
  std::atomic<std::uint64_t> seen{0};    // files and symlinks found
  std::atomic<std::uint64_t> done{0};    // recorded
  std::atomic<std::uint64_t> hashed{0};  // read again
  std::atomic<std::uint64_t> bytes{0};   // bytes read
  std::uint64_t expected = 0;            // what the previous scan recorded (0: unknown)
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
  std::uint64_t hashed = 0;  // read and hashed in this scan
  std::uint64_t reused = 0;  // unchanged since the previous scan
  std::uint64_t bytes_hashed = 0;
  std::uint64_t unreadable = 0;  // recorded without a digest (permission denied, changing, ...)
  std::uint64_t vanished = 0;    // listed, then gone before they could be read
  std::uint64_t skipped_special = 0;
  std::uint64_t skipped_mounts = 0;
  std::uint64_t excluded = 0;
  std::uint64_t errors = 0;                       // paths that could not be walked or read
  std::map<std::string, std::uint64_t> by_kind;   // kind_name -> files
  std::map<std::string, std::uint64_t> by_state;  // signature_state_name -> files
  std::vector<ScanProblem> problems;              // the first kMaxProblems
  bool interrupted = false;
  static constexpr std::size_t kMaxProblems = 1000;
};

// Runs the scan. An error from the sink aborts it (returned); so does nothing else: unreadable
// paths are problems in the summary. With options.stop set meanwhile, summary.interrupted is set
// and the caller must not commit.
[[nodiscard]] Result<ScanSummary> run_scan(const ScanOptions& options,
                                           const PreviousState& previous, RecordSink& sink,
                                           ScanProgress& progress, const ScanHooks& hooks = {});

// "dev:ino:size:mtime_ns:ctime_ns" of a separate signature file (FileRecord::sidecar_state).
[[nodiscard]] std::string sidecar_state_of(std::uint64_t dev, std::uint64_t ino, std::uint64_t size,
                                           std::int64_t mtime_ns, std::int64_t ctime_ns);

}  // namespace signet::inventory
